/** Error codes of `POST /truclienthong/v1.0.0/vanbans` answered with HTTP 400 (§4.2). */
export type RejectionCode = 'INVALID_REQUEST' | 'INVALID_EDXML' | 'UNKNOWN_RECEIVER';

/**
 * A request the axis refuses. `errorDesc` names the element concerned as a path below
 * `edXMLEnvelope` (§3.4), e.g. `edXMLHeader/MessageHeader/DocumentId: …`.
 */
export class Rejection extends Error {
  constructor(
    readonly errorCode: RejectionCode,
    readonly errorDesc: string,
  ) {
    super(`${errorCode}: ${errorDesc}`);
    this.name = 'Rejection';
  }
}

export const invalidEdxml = (path: string, reason: string): Rejection =>
  new Rejection('INVALID_EDXML', `${path}: ${reason}`);
