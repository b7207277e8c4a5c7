/** Errors reach the client as one sentence (ResponseError's message), never a stack; tshark problems also as data. */
import { ResponseError } from 'vscode-languageserver';
import type { TsharkProblem } from '../../../protocol/lspProtocol';
import { TsharkError } from '../tshark/tsharkError';
import { binary, MIN_TSHARK_VERSION } from '../tshark/tsharkRunner';

export function toResponseError(error: unknown, tsharkPath: string | undefined): ResponseError<TsharkProblem | undefined> {
  if (error instanceof ResponseError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof TsharkError && (error.failure === 'not-found' || error.failure === 'too-old')) {
    return new ResponseError(1, message, { tshark: error.failure, path: binary({ tsharkPath }), required: MIN_TSHARK_VERSION.join('.') });
  }
  return new ResponseError(1, message);
}
