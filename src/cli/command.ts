// The shape of one CLI command.

export interface Command {
  name: string;
  summary: string;
  /** Full help text (usage line and options). */
  help: string;
  /** Runs the command; returns the exit code (0 ok, 1 failure). */
  run(argv: string[], env: NodeJS.ProcessEnv): Promise<number>;
}
