/** How src/operations refuses a request: the API answers it as the contract's error. */

/** One item of a rejection's `details`, as the contract's error shape has it. */
export interface RejectionDetail {
  code: string;
  message: string;
  target?: string;
  details?: RejectionDetail[];
}

/**
 * A request the current state does not allow; `code` is the API error code, `target` the request
 * part it is about (a body property, a path parameter), `details` the individual problems.
 */
export class RequestRejected extends Error {
  readonly target?: string;
  readonly details?: RejectionDetail[];

  constructor(
    readonly status: 400 | 404 | 409 | 413 | 503,
    readonly code: string,
    message: string,
    about: { target?: string; details?: RejectionDetail[] } = {},
  ) {
    super(message);
    this.name = "RequestRejected";
    if (about.target !== undefined) this.target = about.target;
    if (about.details !== undefined) this.details = about.details;
  }
}
