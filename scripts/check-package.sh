#!/usr/bin/env bash
# Installs fastrtc-ts the way a new user does and runs the README's echo app with plain `node`:
# `npm pack` (which builds through "prepare"), then `npm install <tarball>` into an empty app in a
# temporary folder outside the repository, with the npm registry alone and none of our
# configuration (no project .npmrc, --userconfig /dev/null, no npm_config_* variables inherited
# from `npm run`). The install uses npm 10 (Node 20's bundled npm, which runs dependencies'
# install scripts) unless CHECK_NPM names another npm command, e.g. CHECK_NPM=npm.
#
#   bash scripts/check-package.sh            # tarball
#   CHECK_GIT=1 bash scripts/check-package.sh  # also `npm install git+file://<repo>` (HEAD commit)
#
# Prints the installed size of the app's node_modules (the library and its dependencies).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/fastrtc-check-package.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# A clean environment for every npm below: no npm_config_* from a parent `npm run`.
while IFS='=' read -r name _; do
  case "$name" in npm_config_* | npm_package_* | npm_lifecycle_* | NPM_CONFIG_* | ONNXRUNTIME_NODE_INSTALL*) unset "$name" ;; esac
done < <(env)
npm_install=(${CHECK_NPM:-npx -y npm@10.9.9})
npm_flags=(--userconfig /dev/null --no-audit --no-fund)

echo "== npm pack (builds dist/ through prepare)"
(cd "$repo" && npm pack --pack-destination "$work" --userconfig /dev/null --silent >/dev/null)
tarball="$(ls "$work"/fastrtc-ts-*.tgz)"
echo "   $(basename "$tarball"): $(du -k "$tarball" | cut -f1) kB, $(tar -tzf "$tarball" | wc -l) files"
if tar -tzf "$tarball" | grep -E '\.test\.ts$|/testing/' >/dev/null; then
  echo "the tarball ships tests" >&2
  exit 1
fi
# Every source map must point at a file the tarball ships.
node --input-type=module -e '
  import { execFileSync } from "node:child_process";
  import { posix } from "node:path";
  const tgz = process.argv[1];
  const files = new Set(execFileSync("tar", ["-tzf", tgz], { encoding: "utf8" }).split("\n"));
  let maps = 0;
  for (const f of files) {
    if (!f.endsWith(".js.map")) continue;
    maps++;
    const map = JSON.parse(execFileSync("tar", ["-xzOf", tgz, f], { encoding: "utf8" }));
    for (const s of map.sources) {
      const target = posix.normalize(posix.join(posix.dirname(f), map.sourceRoot ?? "", s));
      if (!files.has(target)) { console.error(`${f} points at ${target}, not in the tarball`); process.exit(1); }
    }
  }
  console.log(`   ${maps} source maps, every source shipped`);
' "$tarball"

# The README's echo app, as a user's ESM module; FASTRTC_CACHE is empty, so the Silero weights
# are fetched from the npm registry on first use, as on a fresh machine.
write_app() {
  cat >"$1/app.mjs" <<'EOF'
import { ReplyOnPause, Stream, getSileroModel } from "fastrtc-ts";

async function* echo(audio) {
  yield audio;
}

const stream = new Stream({
  handler: new ReplyOnPause(echo, { canInterrupt: true }),
  modality: "audio",
  mode: "send-receive",
  uiArgs: { title: "Echo" },
});
const server = await stream.launch({ port: 0 });
const res = await fetch(`${server.url}/`);
const page = await res.text();
if (res.status !== 200 || !page.includes("<html")) throw new Error(`GET / gave ${res.status}`);
// The VAD the app uses, on its ONNX runtime, in its worker: one second of silence is no speech.
const [speech] = await getSileroModel().vad([16000, new Float32Array(16000)]);
if (speech !== 0) throw new Error(`VAD found ${speech} s of speech in silence`);
await server.close();
// A media thread starts from the compiled worker entry: werift there refuses an offer it
// cannot use, and the error comes back as the route's 400.
const threaded = new Stream({ handler: new ReplyOnPause(echo), webrtcMediaThreads: 1 });
const t = await threaded.launch({ port: 0 });
const offer = await fetch(`${t.url}/webrtc/offer`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({
    sdp: "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=text 9 RTP/AVP 0\r\n",
    type: "offer",
    webrtc_id: "package-check",
  }),
});
const detail = (await offer.json()).detail;
if (offer.status !== 400 || !/could not be applied|no media section/.test(detail)) {
  throw new Error(`media thread: offer gave ${offer.status} ${detail}`);
}
await t.close();
await getSileroModel().close();
console.log(`app ok: GET / ${res.status}, ${page.length} bytes; VAD ok; media thread ok`);
EOF
  cat >"$1/require.cjs" <<'EOF'
try {
  require("fastrtc-ts");
  throw new Error("require() was expected to fail");
} catch (err) {
  if (!/ESM only/.test(err.message)) throw err;
  console.log(`require ok: ${err.message.slice(0, 60)}...`);
}
EOF
}

check_app() {
  local app="$1"
  (
    cd "$app"
    export FASTRTC_CACHE="$app/model-cache"
    node app.mjs
    node require.cjs
    echo "cli ok: $(npx --no-install fastrtc-ts --version)"
    echo "   installed: $(du -sm node_modules | cut -f1) MB, $(find node_modules -name package.json -path '*node_modules/*/package.json' -not -path '*/node_modules/*/node_modules/*/*/*' | wc -l) package.json files"
  )
}

echo "== npm install <tarball> into an empty app (${npm_install[*]})"
app="$work/app"
mkdir -p "$app"
(cd "$app" && npm init -y >/dev/null && "${npm_install[@]}" install "${npm_flags[@]}" "$tarball" 2>&1 | tail -n 3)
write_app "$app"
check_app "$app"

if [ "${CHECK_GIT:-0}" = "1" ]; then
  echo "== npm install git+file://$repo (HEAD) into an empty app"
  gapp="$work/git-app"
  mkdir -p "$gapp"
  (cd "$gapp" && npm init -y >/dev/null && "${npm_install[@]}" install "${npm_flags[@]}" "git+file://$repo" 2>&1 | tail -n 3)
  write_app "$gapp"
  check_app "$gapp"
fi
echo "== package check passed"
