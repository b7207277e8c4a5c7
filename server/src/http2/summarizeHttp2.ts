/** HTTP/2 streams as conversation-table exchanges: method, path, status, what cut them, gRPC status. */
import type { ExchangeSummary } from '../../../protocol/model';
import type { HttpConversation } from '../http/httpConversation';
import { SENDER } from './describeHttp2';
import { fieldValue, type Http2Conversation, type Http2Stream } from './http2Conversation';
import { ErrorCode, errorCodeName } from './http2Frames';

/** grpc-status / grpc-message from the trailers, or from a trailers-only response's headers. */
export function grpcStatusOf(stream: Http2Stream): { status: number; message?: string } | undefined {
  for (const block of [stream.response.trailers, stream.response.headers]) {
    const status = fieldValue(block, 'grpc-status');
    if (status !== undefined && /^\d+$/.test(status.trim())) {
      const message = fieldValue(block, 'grpc-message');
      return { status: Number(status.trim()), ...(message !== undefined ? { message: decodeGrpcMessage(message) } : {}) };
    }
  }
  return undefined;
}

/** grpc-message is percent-encoded (gRPC over HTTP/2 spec, "Responses"). */
function decodeGrpcMessage(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The gRPC status code names (grpc/doc/statuscodes.md). */
export const GRPC_STATUS = [
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
];

/** What ended a stream early: its first RST_STREAM (other than NO_ERROR after a complete response), or an erroring GOAWAY. */
export function cutBy(stream: Http2Stream, http2: Http2Conversation): string | undefined {
  const reset = stream.resets.find((r) => !(r.errorCode === ErrorCode.NO_ERROR && stream.response.endStreamFrame));
  if (reset) return `RST_STREAM ${errorCodeName(reset.errorCode)} from ${SENDER[reset.direction]}`;
  if (stream.response.endStreamFrame) return undefined;
  const goaway = http2.goaways.find((g) => g.errorCode !== ErrorCode.NO_ERROR && stream.id <= g.lastStreamId);
  return goaway ? `GOAWAY ${errorCodeName(goaway.errorCode)} from ${SENDER[goaway.direction]}` : undefined;
}

/**
 * The HTTP/2 streams a conversation lists as exchanges (those with headers, or the upgraded
 * stream 1), in order: exchange rows, and the exports that take an exchange index, count them
 * after the HTTP/1.x exchanges.
 */
export function listedHttp2Streams(http: HttpConversation): Http2Stream[] {
  return (http.http2?.streams ?? []).filter((stream) => stream.request.headers || stream.response.headers || stream.upgraded);
}

export function summarizeHttp2(http: HttpConversation): ExchangeSummary[] {
  const http2 = http.http2;
  if (!http2) return [];
  const upgradeRequest = http.requests[http.requests.length - 1];
  return listedHttp2Streams(http)
    .map((stream) => {
      const status = fieldValue(stream.response.headers, ':status');
      const grpc = grpcStatusOf(stream);
      const cut = cutBy(stream, http2);
      return {
        method: fieldValue(stream.request.headers, ':method') ?? (stream.upgraded ? upgradeRequest?.requestLine.method : undefined),
        target: fieldValue(stream.request.headers, ':path') ?? (stream.upgraded ? upgradeRequest?.requestLine.target : undefined),
        ...(status !== undefined && /^\d+$/.test(status) ? { status: Number(status) } : {}),
        http2Stream: stream.id,
        ...(cut ? { cutBy: cut } : {}),
        ...(grpc ? { grpcStatus: grpc.status, ...(grpc.message !== undefined ? { grpcMessage: grpc.message } : {}) } : {}),
      };
    });
}
