/**
 * Errors as notifications with the action that fixes them. The server says what went wrong in
 * one sentence; when tshark itself is the problem it also sends a TsharkProblem (lspProtocol.ts),
 * and the notification offers to install it or to point wirelens.tsharkPath at another one.
 */
import * as vscode from 'vscode';
import type { TsharkProblem } from '../../protocol/lspProtocol';

const OPEN_SETTINGS = 'Open Settings';
const COPY_INSTALL_COMMAND = 'Copy Install Command';
const DOWNLOAD = 'Download Wireshark';
const DOWNLOAD_URL = 'https://www.wireshark.org/download.html';

/** The usual way to install tshark on this machine's platform. */
export function installCommand(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'darwin') return 'brew install wireshark';
  if (platform === 'win32') return 'winget install WiresharkFoundation.Wireshark';
  return 'sudo apt install tshark';
}

function tsharkProblemOf(error: unknown): TsharkProblem | undefined {
  const data = (error as { data?: Partial<TsharkProblem> } | undefined)?.data;
  return data && (data.tshark === 'not-found' || data.tshark === 'too-old') ? (data as TsharkProblem) : undefined;
}

/**
 * The settings editor at wirelens.tsharkPath. It is a machine setting: in a remote window
 * (code-server, SSH, containers) it lives in the Remote tab, where tshark runs.
 */
async function openTsharkPathSetting(): Promise<void> {
  const command = vscode.env.remoteName ? 'workbench.action.openRemoteSettings' : 'workbench.action.openSettings';
  await vscode.commands.executeCommand(command, { query: 'wirelens.tsharkPath' });
}

/** Shows a failed request as an error notification; resolves once the user acted on it (or dismissed it). */
export async function showWirelensError(error: unknown): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  const problem = tsharkProblemOf(error);
  if (!problem) {
    await vscode.window.showErrorMessage(`Wirelens: ${message}`);
    return;
  }
  const choice =
    problem.tshark === 'not-found'
      ? await vscode.window.showErrorMessage(
          `Wirelens needs tshark (Wireshark's command-line tool) and did not find "${problem.path}". ` +
            `Install it (${installCommand()}, or Wireshark from wireshark.org), or set wirelens.tsharkPath to where it is.`,
          OPEN_SETTINGS,
          COPY_INSTALL_COMMAND,
        )
      : await vscode.window.showErrorMessage(`Wirelens: ${message}`, OPEN_SETTINGS, DOWNLOAD);
  if (choice === OPEN_SETTINGS) await openTsharkPathSetting();
  else if (choice === COPY_INSTALL_COMMAND) {
    await vscode.env.clipboard.writeText(installCommand());
    void vscode.window.showInformationMessage(`Copied "${installCommand()}": run it in a terminal, then open the capture again.`);
  } else if (choice === DOWNLOAD) await vscode.env.openExternal(vscode.Uri.parse(DOWNLOAD_URL));
}
