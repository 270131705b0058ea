import type { Router } from 'express';
import type { GatewayConfig } from '../config/config.js';
import type { SystemId } from '../domain/system-event.js';
import type { Logger } from '../logging/logger.js';
import type { InboundSink, SystemAdapter } from './adapter.js';
import { LandAdapter } from '../../adapters/land/index.js';
import { CivilRegistrationAdapter } from '../../adapters/civil-registration/index.js';
import { TaxAdapter } from '../../adapters/tax/index.js';
import { SocialInsuranceAdapter } from '../../adapters/social-insurance/index.js';
import { DocumentAdapter } from '../../adapters/document/index.js';
import { landCallbackRouter } from '../http/routes/land-callbacks.js';
import { taxInboundRouter } from '../http/routes/tax-inbound.js';
import { socialInsuranceInboundRouter } from '../http/routes/social-insurance-inbound.js';

export interface RegisteredSystem {
  adapter: SystemAdapter;
  /** Builds the HTTP routes through which this system pushes to the gateway, if it does. */
  inboundRouter?: (deps: { sink: InboundSink; log: Logger; bodyLimitBytes: number }) => Router;
  /** How often to poll a system without callbacks. */
  pollIntervalMs?: number;
}

/**
 * The explicit list of adapters (GUIDE.md §4): one is built for each system present and enabled in
 * the config; a misconfigured one throws here, which stops the start.
 */
export function buildAdapters(config: GatewayConfig, _log: Logger): Map<SystemId, RegisteredSystem> {
  const out = new Map<SystemId, RegisteredSystem>();
  const s = config.systems;

  const land = s.land;
  if (land?.enabled) {
    const adapter = new LandAdapter({
      baseUrl: land.baseUrl,
      apiKey: land.apiKey,
      timeoutMs: land.timeoutMs,
      tinhId: land.tinhId,
      callbackSecurityCode: land.callbackSecurityCode,
    });
    out.set('land', {
      adapter,
      inboundRouter: ({ sink, bodyLimitBytes }) =>
        landCallbackRouter({ parser: adapter.callbacks, sink, bodyLimitBytes }),
    });
  }

  const civil = s['civil-registration'];
  if (civil?.enabled) {
    out.set('civil-registration', {
      adapter: new CivilRegistrationAdapter({
        baseUrl: civil.baseUrl,
        clientId: civil.clientId,
        clientSecret: civil.clientSecret,
        timeoutMs: civil.timeoutMs,
        windowThreshold: civil.windowThreshold,
        maxRequestsPerSecond: civil.maxRequestsPerSecond,
      }),
      pollIntervalMs: civil.pollIntervalMs,
    });
  }

  const tax = s.tax;
  if (tax?.enabled) {
    const inboundKey = tax.inboundSecurityKey ?? tax.securityKey;
    const adapter = new TaxAdapter({
      baseUrl: tax.baseUrl,
      securityKey: tax.securityKey,
      inboundSecurityKey: inboundKey,
      maDviGui: tax.maDviGui,
      timeoutMs: tax.timeoutMs,
    });
    out.set('tax', {
      adapter,
      inboundRouter: ({ sink, log }) =>
        taxInboundRouter({ parser: adapter.inbound, sink, securityKey: inboundKey, log }),
    });
  }

  const bhxh = s['social-insurance'];
  if (bhxh?.enabled) {
    const adapter = new SocialInsuranceAdapter({
      serviceUrl: bhxh.baseUrl,
      username: bhxh.username,
      password: bhxh.password,
      timeoutMs: bhxh.timeoutMs,
      ...(bhxh.wsdlPath ? { wsdlPath: bhxh.wsdlPath } : {}),
      ...(bhxh.callbackWsdlPath ? { callbackWsdlPath: bhxh.callbackWsdlPath } : {}),
    });
    out.set('social-insurance', {
      adapter,
      inboundRouter: ({ sink, log }) =>
        socialInsuranceInboundRouter({
          parser: adapter.inbound,
          sink,
          username: bhxh.callbackUsername,
          password: bhxh.callbackPassword,
          log,
        }),
    });
  }

  const doc = s.document;
  if (doc?.enabled) {
    out.set('document', {
      adapter: new DocumentAdapter({
        baseUrl: doc.baseUrl,
        consumerKey: doc.consumerKey,
        consumerSecret: doc.consumerSecret,
        organId: doc.organId,
        organName: doc.organName,
        ...(doc.organAdd ? { organAdd: doc.organAdd } : {}),
        ...(doc.email ? { email: doc.email } : {}),
        ...(doc.telephone ? { telephone: doc.telephone } : {}),
        place: doc.place,
        timeoutMs: doc.timeoutMs,
        dossierSigner: doc.dossierSigner,
        apologyAgencies: doc.apologyAgencies,
        attachLodgedDocuments: doc.attachLodgedDocuments,
        maxRequestsPerSecond: doc.maxRequestsPerSecond,
      }),
      pollIntervalMs: doc.pollIntervalMs,
    });
  }
  return out;
}
