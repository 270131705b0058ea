import { MESSAGES } from './protocol.js';

/**
 * A SOAP 1.1 fault as BHXH answers it (§1.2): HTTP 500, `soap:Client` for a wrong request
 * (nothing processed, do not retry), `soap:Server` for a temporary failure (retry later).
 */
export class SoapFault extends Error {
  constructor(
    readonly faultcode: 'soap:Client' | 'soap:Server',
    readonly faultstring: string,
    /** Which check produced it, for the counters. */
    readonly kind: 'schema' | 'auth' | 'malformed' | 'server',
  ) {
    super(`${faultcode}: ${faultstring}`);
  }

  static schema(element: string, problem: string): SoapFault {
    return new SoapFault('soap:Client', `${element}: ${problem}`, 'schema');
  }

  static malformed(problem: string): SoapFault {
    return new SoapFault('soap:Client', problem, 'malformed');
  }

  static auth(message: string = MESSAGES.authFailed): SoapFault {
    return new SoapFault('soap:Client', message, 'auth');
  }

  static server(message: string = MESSAGES.serverBusy): SoapFault {
    return new SoapFault('soap:Server', message, 'server');
  }
}
