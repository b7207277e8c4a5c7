/**
 * File facts for the capture editor's header: the link-layer type and the time of the first and
 * last packet of any kind, from capinfos (ships with tshark). Captures read directly take them
 * from their index (indexFileFacts); capinfos reads the ones tshark reads, and is the oracle the
 * index's facts are tested against.
 */
import { execa } from 'execa';
import { companionBinary, type TsharkOptions } from './tsharkRunner';

export interface CaptureFileFacts {
  readonly linkType?: string;
  readonly firstTime?: number;
  readonly lastTime?: number;
}

export function buildCaptureInfoArgs(file: string): string[] {
  // -E encapsulation, -a/-e first/last packet time, -S as seconds since the epoch.
  return ['-E', '-a', '-e', '-S', file];
}

/** capinfos' "Name:   value" lines → facts; lines it does not know are ignored. */
export function parseCaptureInfo(stdout: string): CaptureFileFacts {
  const value = (label: string) => new RegExp(`^${label}:\\s+(.+)$`, 'm').exec(stdout)?.[1].trim();
  const time = (label: string) => {
    const text = value(label);
    return text !== undefined && /^\d+(\.\d+)?$/.test(text) ? Number(text) : undefined;
  };
  const linkType = value('File encapsulation');
  const firstTime = time('First packet time');
  const lastTime = time('Last packet time');
  return {
    ...(linkType ? { linkType } : {}),
    ...(firstTime !== undefined ? { firstTime } : {}),
    ...(lastTime !== undefined ? { lastTime } : {}),
  };
}

/** The facts, or none when capinfos is missing or cannot read the file: the header then leaves them out. */
export async function captureFileFacts(file: string, options: TsharkOptions & { signal?: AbortSignal } = {}): Promise<CaptureFileFacts> {
  const result = await execa(companionBinary(options, 'capinfos'), buildCaptureInfoArgs(file), {
    cancelSignal: options.signal,
    timeout: 60_000,
    reject: false,
    stdin: 'ignore',
  });
  return result.exitCode === 0 ? parseCaptureInfo(String(result.stdout)) : {};
}
