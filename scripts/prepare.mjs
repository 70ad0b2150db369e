// npm's "prepare" step: builds dist/ when it is missing (an install from a git URL, a fresh
// clone) and always before `npm pack` / `npm publish`, so a git install or a tarball always
// carries a complete build. Other installs in a checkout that already has dist/ skip it.

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const packing = ["pack", "publish"].includes(process.env.npm_command ?? "");
const built = existsSync(new URL("../dist/index.js", import.meta.url));
if (packing || !built) {
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const r = spawnSync(npm, ["run", "build"], {
    stdio: "inherit",
    shell: process.platform === "win32",
  });
  process.exitCode = r.status ?? 1;
}
