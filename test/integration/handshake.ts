/**
 * The extension-host tests and the Playwright driver run in different processes; they meet
 * through two JSON-lines files in a directory named by WIRELENS_E2E_DIR. The host writes
 * `host.jsonl` ("the capture is open", "diagnostics checked"), the driver writes `driver.jsonl`
 * ("menu clicked", "screenshot taken"). Each side waits for the other's event, with a timeout.
 * UI requests (uiProtocol.ts) ride on the same files: `ui` events from the host, `ui-result` back.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export type Side = 'host' | 'driver';

export interface HandshakeEvent {
  readonly ev: string;
  readonly t: number;
  readonly [key: string]: unknown;
}

export class Handshake {
  constructor(private readonly dir: string) {}

  write(side: Side, ev: string, data: Record<string, unknown> = {}): void {
    fs.appendFileSync(path.join(this.dir, `${side}.jsonl`), JSON.stringify({ ev, t: Date.now(), ...data }) + '\n');
  }

  read(side: Side): HandshakeEvent[] {
    const file = path.join(this.dir, `${side}.jsonl`);
    if (!fs.existsSync(file)) return [];
    return fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as HandshakeEvent);
  }

  waitFor(side: Side, ev: string, timeoutMs: number): Promise<HandshakeEvent> {
    return this.waitForMatch(side, (event) => event.ev === ev, `event "${ev}"`, timeoutMs);
  }

  async waitForMatch(side: Side, match: (event: HandshakeEvent) => boolean, what: string, timeoutMs: number): Promise<HandshakeEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.read(side).find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${side} ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
