/** Every command with one line on what it does: `takt --help` and each command's help read it. */
export const commandSummaries = {
  setup: 'connect this machine to a takt server (or make a local one with --local)',
  serve: 'run the takt server',
  validate: 'check that this machine is tracking, source by source',
  sync: 'upload usage from Claude Code transcripts to the server',
  track: 'record usage by hand (four token counts)',
  usage: "show your plan's official 5-hour and 7-day utilisation",
  watch: "watch your accounts' limits and say when to wrap up",
  export: 'download your usage from the server as CSV or JSON Lines',
  report: 'usage and cost per day, week, month, session or 5-hour block from local transcripts (no server)',
  statusline: "Claude Code's status line (set by takt hooks install)",
  hooks: "install takt's hooks and status line into Claude Code",
  service: 'run takt serve or takt sync --watch as a background service',
  token: "create a person's API token, on the server's machine",
  admin: "invite people (on the server's machine) and manage webhook alerts",
  pricing: 'show or replace the price table',
} as const;

export type CommandName = keyof typeof commandSummaries;
