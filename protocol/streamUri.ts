/**
 * `wirelens-stream:` URIs name one followed stream of one capture file. The extension builds
 * them, the server parses them; both import this file so the format lives in one place.
 *
 *   wirelens-stream:/path/to/x.pcapng/stream-3.http
 *
 * The capture path is the URI's path (VS Code re-encodes queries, paths survive a round trip);
 * the last segment is what VS Code shows as the tab title.
 */
import type { FollowMode } from './model';

export const STREAM_SCHEME = 'wirelens-stream';

export interface StreamRef {
  /** Absolute file-system path of the capture (POSIX form). */
  readonly capture: string;
  readonly stream: number;
  readonly mode: FollowMode;
}

export function formatStreamUri(ref: StreamRef): string {
  const path = ref.capture.startsWith('/') ? ref.capture : `/${ref.capture}`;
  return `${STREAM_SCHEME}:${path.split('/').map(encodeURIComponent).join('/')}/stream-${ref.stream}.${ref.mode}`;
}

/** Parses a stream URI as VS Code hands it back (possibly re-encoded), or returns undefined. */
export function parseStreamUri(uri: string): StreamRef | undefined {
  const match = /^wirelens-stream:(?:\/\/)?(\/.*)\/stream-(\d+)\.(tcp|http)$/.exec(uri);
  if (!match) return undefined;
  try {
    return { capture: decodeURIComponent(match[1]), stream: Number(match[2]), mode: match[3] as FollowMode };
  } catch {
    return undefined; // malformed percent-encoding
  }
}
