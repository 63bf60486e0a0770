// The `tasker` command's entry: runs one invocation with the process's arguments, streams and environment.
import { readFile } from "node:fs/promises";
import { runCli } from "./run";

const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
  isTTY: process.stdout.isTTY === true,
  env: process.env,
  readFile: (path) => readFile(path, "utf8"),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
});
process.exitCode = code;
