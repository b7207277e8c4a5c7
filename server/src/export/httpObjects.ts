/**
 * Export HTTP objects: each body of a conversation, decoded (decodeBody.ts), written to a folder
 * the user chose, named after the last segment of its request target. Targets come off the wire,
 * so a name is made safe before it touches the file system: no directory parts (`../`, `\`,
 * percent-encoded or not), no control or reserved characters, no Windows device names, no
 * leading dot, a bounded length; files are created exclusively, never overwriting one.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { StreamAnalysis } from '../analysis/analyzeCapture';
import { messagesWithBodies } from '../document/streamView';
import { decodeBody, decodeHttp2Body, type DecodedBody } from '../http/decodeBody';
import { fieldValue } from '../http2/http2Conversation';
import { directionOf } from '../tcp/tcpReassembler';
import { chosenExchanges } from './exchanges';

/** Longest name written, in characters, extension included (file systems allow 255 bytes). */
const MAX_NAME = 100;

const EXTENSIONS: Record<string, string> = {
  'application/json': '.json',
  'application/xml': '.xml',
  'application/javascript': '.js',
  'application/pdf': '.pdf',
  'application/zip': '.zip',
  'application/octet-stream': '.bin',
  'application/x-www-form-urlencoded': '.txt',
  'text/html': '.html',
  'text/plain': '.txt',
  'text/css': '.css',
  'text/javascript': '.js',
  'text/xml': '.xml',
  'text/csv': '.csv',
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'image/gif': '.gif',
  'image/svg+xml': '.svg',
  'image/webp': '.webp',
};

function extensionFor(mediaType: string | undefined): string {
  if (!mediaType) return '.bin';
  return EXTENSIONS[mediaType] ?? (mediaType.endsWith('+json') ? '.json' : mediaType.endsWith('+xml') ? '.xml' : '.bin');
}

const WINDOWS_DEVICES = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

/** The last path segment of a request target, percent-decoded, query and fragment dropped. */
function lastSegment(target: string): string {
  if (target === '*') return ''; // asterisk-form (OPTIONS *) names no resource
  let pathPart = target.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '').split(/[?#]/)[0];
  try {
    pathPart = decodeURIComponent(pathPart);
  } catch {
    // not valid percent-encoding: use it as sent
  }
  // Both separators, after decoding: `%2F..%5C` must not survive as a directory part.
  const segments = pathPart.split(/[/\\]/).filter((segment) => segment.length > 0 && segment !== '.' && segment !== '..');
  return segments[segments.length - 1] ?? '';
}

/**
 * A safe file name for a body: from the target's last segment (`index` when there is none),
 * with an extension from the media type when the name has none; request bodies say so.
 */
export function objectFileName(target: string, mediaType: string | undefined, kind: 'request' | 'response'): string {
  let name = lastSegment(target)
    .replace(/[\x00-\x1f\x7f-\x9f<>:"|?*\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '_')
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '');
  if (!name || WINDOWS_DEVICES.test(name)) name = name ? `_${name}` : 'index';
  let extension = path.extname(name);
  let stem = extension ? name.slice(0, -extension.length) : name;
  if (!extension || extension.length > 10) {
    stem = name;
    extension = extensionFor(mediaType);
  }
  if (kind === 'request') stem += '.request';
  return stem.slice(0, MAX_NAME - extension.length) + extension;
}

/** `name.ext`, `name (2).ext`, … */
function numbered(name: string, n: number): string {
  if (n === 1) return name;
  const extension = path.extname(name);
  return `${name.slice(0, name.length - extension.length)} (${n})${extension}`;
}

/** Writes `data` as a new file in `folder` under `name` or the first free numbered variant; never outside `folder`. */
async function writeNew(folder: string, name: string, data: Uint8Array): Promise<string> {
  for (let n = 1; ; n++) {
    const file = path.join(folder, numbered(name, n));
    if (path.dirname(file) !== folder) throw new Error(`Refusing to write ${JSON.stringify(name)} outside ${folder}.`);
    try {
      await fs.writeFile(file, data, { flag: 'wx' });
      return file;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

export interface ExportedObject {
  readonly file: string;
  readonly bytes: number;
  /** Set when decoding stopped early or was capped: the file holds what could be decoded. */
  readonly note?: string;
}

/** Writes every body (or one exchange's: index as in exchanges.ts) of a conversation, decoded, into `folder`. */
export async function exportHttpObjects(analysis: StreamAnalysis, folder: string, exchange?: number): Promise<ExportedObject[]> {
  const target = path.resolve(folder);
  const chosen = chosenExchanges(analysis, exchange);
  await fs.mkdir(target, { recursive: true });
  const written: ExportedObject[] = [];
  const write = async (body: DecodedBody, requestTarget: string, kind: 'request' | 'response') => {
    const file = await writeNew(target, objectFileName(requestTarget, body.mediaType, kind), body.bytes);
    written.push({ file, bytes: body.bytes.length, ...(body.notes.length ? { note: body.notes.join(' ') } : {}) });
  };
  const bytesOf = (direction: 'client-to-server' | 'server-to-client') => directionOf(analysis.connection, direction).bytes;
  for (const item of chosen) {
    if (item.kind === 'http1') {
      const requestTarget = item.exchange.request?.requestLine.target ?? '';
      for (const message of messagesWithBodies(item.exchange)) {
        await write(await decodeBody(bytesOf(message.kind === 'request' ? 'client-to-server' : 'server-to-client'), message), requestTarget, message.kind);
      }
      continue;
    }
    const { request, response } = item.stream;
    const requestTarget = fieldValue(request.headers, ':path') ?? '';
    if (request.dataLength > 0) await write(await decodeHttp2Body(bytesOf(request.direction), request), requestTarget, 'request');
    if (response.dataLength > 0) await write(await decodeHttp2Body(bytesOf(response.direction), response), requestTarget, 'response');
  }
  return written;
}
