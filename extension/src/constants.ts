/** Every identifier Wirelens shares with VS Code (package.json declares the same strings). */
import { ServerCommands } from '../../protocol/lspProtocol';

export const CAPTURE_VIEW_TYPE = 'wirelens.capture';
export const Commands = {
  followTcpStream: 'wirelens.followTcpStream',
  followHttpStream: 'wirelens.followHttpStream',
  startLiveCapture: 'wirelens.startLiveCapture',
  stopLiveCapture: 'wirelens.stopLiveCapture',
  saveCaptureAs: 'wirelens.saveCaptureAs',
  attachTlsKeyLog: 'wirelens.attachTlsKeyLog',
  embedTlsKeys: 'wirelens.embedTlsKeys',
  openWithWirelens: 'wirelens.openWithWirelens',
  analyzeCapture: 'wirelens.analyzeCapture',
  copyAsCurl: ServerCommands.copyAsCurl,
  showRuleDocumentation: ServerCommands.showRuleDocumentation,
  followSelectedConversation: 'wirelens.followSelectedConversation',
  openIncidentSample: 'wirelens.openIncidentSample',
} as const;
/** True while the active capture editor has a conversation row selected (editor-title Follow action). */
export const SELECTED_CONVERSATION_CONTEXT = 'wirelens.activeEditorHasSelection';
/** Captures bigger than this many MB ask before they are read (`wirelens.maxFileSizeMB`; 0: never ask). */
export const MAX_FILE_SIZE_SETTING = 'maxFileSizeMB';
/** Per-rule "off" or severity (`wirelens.rules`); the server applies it. */
export const RULES_SETTING = 'rules';
/** True while the active capture editor shows a capture that is still running (editor toolbar). */
export const CAPTURING_CONTEXT = 'wirelens.activeEditorCapturing';
/** The setting holding named pipe sources (restricted in untrusted workspaces). */
export const CAPTURE_SOURCES_SETTING = 'captureSources';
export const SETTINGS_SECTION = 'wirelens';
/** The display filter a capture opens with (`wirelens.displayFilter`). */
export const DISPLAY_FILTER_SETTING = 'displayFilter';
/** The conversation menu's view and export commands (exportCommands.ts). */
export const ExportCommands = {
  viewStream: 'wirelens.viewStream',
  copyExchangeAsText: 'wirelens.copyExchangeAsText',
  saveAsHar: 'wirelens.saveAsHar',
  exportHttpObjects: 'wirelens.exportHttpObjects',
  exportConversationPcapng: 'wirelens.exportConversationPcapng',
  exportShownPcapng: 'wirelens.exportShownPcapng',
  openInWireshark: 'wirelens.openInWireshark',
} as const;
/** True when `wireshark` is on PATH (set at activation): Open in Wireshark shows only then. */
export const WIRESHARK_CONTEXT = 'wirelens.wiresharkAvailable';
