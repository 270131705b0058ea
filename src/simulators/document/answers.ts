/** Bodies answered by the axis and its API manager, worded as in the spec's examples. */

export const OK_DESC = 'Thành công';

export interface AxisAnswer {
  status: 'OK' | 'FAIL';
  errorCode: string;
  errorDesc: string;
  data: unknown;
}

export const ok = (data: unknown): AxisAnswer => ({ status: 'OK', errorCode: '0', errorDesc: OK_DESC, data });

export const fail = (errorCode: string, errorDesc: string, data: unknown = null): AxisAnswer => ({
  status: 'FAIL',
  errorCode,
  errorDesc,
  data,
});

/** `examples/document-management/error-invalid-credentials.json` */
export const INVALID_CREDENTIALS = {
  code: '900901',
  message: 'Invalid Credentials',
  description: 'Invalid Credentials. Make sure you have provided the correct security credentials',
};

/** `examples/document-management/error-throttled.json` */
export const THROTTLED = {
  code: '900802',
  message: 'Message throttled out',
  description: 'You have exceeded your quota',
};

/** Unknown resource on the API manager. */
export const NOT_FOUND_RESOURCE = {
  code: '404',
  type: 'Status report',
  message: 'Not Found',
  description: 'The requested resource is not available.',
};

export const tokenError = (error: 'invalid_client' | 'unsupported_grant_type'): Record<string, string> =>
  error === 'invalid_client'
    ? { error, error_description: 'Client Authentication failed.' }
    : { error, error_description: 'Unsupported grant_type value' };
