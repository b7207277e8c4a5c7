/**
 * A capture that cannot be analysed, said in one sentence that names the file and what is wrong
 * (docs/reliability.md lists them). The CLI prints it and exits 2; the language server returns it
 * as the request's error message. Defined here, below analysis/, so the readers can throw it.
 */
export class CaptureFileError extends Error {
  override readonly name = 'CaptureFileError';
}
