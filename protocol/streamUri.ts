/**
 * `wirelens-stream:` URIs name one followed stream of one capture file. The extension builds
 * them, the server parses them; both import this file so the format lives in one place.
 *
 *   wirelens-stream:/stream-3.http?capture=%2Fpath%2Fto%2Fx.pcapng
 *
 * The path's last segment is what VS Code shows as the tab title.
 */
import type { FollowMode } from './model';

export const STREAM_SCHEME = 'wirelens-stream';

export interface StreamRef {
  /** Absolute file-system path of the capture. */
  readonly capture: string;
  readonly stream: number;
  readonly mode: FollowMode;
}

export function formatStreamUri(ref: StreamRef): string {
  return `${STREAM_SCHEME}:/stream-${ref.stream}.${ref.mode}?capture=${encodeURIComponent(ref.capture)}`;
}

/** Parses what VS Code sends back (it may re-encode the query), or returns undefined. */
export function parseStreamUri(uri: string): StreamRef | undefined {
  const match = /^wirelens-stream:\/stream-(\d+)\.(tcp|http)\?(.*)$/.exec(uri);
  if (!match) return undefined;
  const capture = match[3]
    .split('&')
    .map((pair) => pair.split('='))
    .find(([key]) => key === 'capture')?.[1];
  if (capture === undefined) return undefined;
  return { stream: Number(match[1]), mode: match[2] as FollowMode, capture: decodeURIComponent(capture) };
}
