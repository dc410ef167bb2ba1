/** Where a command reads its settings from and writes its output to (the process, or a test). */
export interface CliIo {
  env: Record<string, string | undefined>;
  cwd: string;
  stdout(text: string | Uint8Array): void;
  stderr(text: string | Uint8Array): void;
}
