/**
 * The supervisor: a small node process between crumple and the target's process group, so the target
 * dies with crumple even when crumple cannot run any code (SIGKILL, a crash, an OOM kill).
 *
 * crumple starts it (detached: its own session, so a Ctrl-C or `kill -- -<crumple's group>` does not
 * take it down before it has done its job) with a pipe on fd 3. Over that pipe crumple sends one JSON
 * line (command, cwd, env, grace); the supervisor starts `/bin/sh -c 'exec <command>'` in a new process
 * group with its own stdout/stderr (crumple's pipes) and answers one line per event:
 *   {"pid":N}                 the target runs (its pid is its process group id)
 *   {"error":"..."}           it could not be started (spawn error), then the supervisor exits
 *   {"exit":code,"signal":s}  the target exited; stragglers in its group are killed, then it exits
 * When the pipe closes without crumple having stopped the target (crumple is gone), it ends the group:
 * SIGTERM, SIGKILL after the grace, and exits. It ignores SIGINT and SIGHUP (crumple decides), and on
 * SIGTERM ends the group too.
 *
 * Plain JavaScript run with `node -e`: no build step, no loader, nothing imported but node's own.
 */
export const SUPERVISOR_SOURCE = String.raw`
'use strict';
const { spawn } = require('node:child_process');
const net = require('node:net');
const ctl = new net.Socket({ fd: 3, readable: true, writable: true });
const say = (o) => { try { ctl.write(JSON.stringify(o) + '\n'); } catch {} };
let child; let pid = 0; let graceMs = 3000; let done = false;
const killGroup = (sig) => { if (pid > 0) { try { process.kill(-pid, sig); } catch {} } };
const end = () => {
  if (done) return; done = true;
  if (!child || child.exitCode !== null || child.signalCode !== null) { killGroup('SIGKILL'); process.exit(0); }
  killGroup('SIGTERM');
  setTimeout(() => { killGroup('SIGKILL'); process.exit(0); }, graceMs).unref();
  child.once('exit', () => { killGroup('SIGKILL'); process.exit(0); });
};
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});
process.on('SIGTERM', end);
process.on('SIGPIPE', () => {});
let buf = '';
ctl.on('data', (d) => {
  if (child) return;
  buf += d.toString('utf8');
  const nl = buf.indexOf('\n');
  if (nl < 0) return;
  const cfg = JSON.parse(buf.slice(0, nl));
  graceMs = cfg.graceMs;
  try {
    child = spawn('/bin/sh', ['-c', 'exec ' + cfg.command], { cwd: cfg.cwd, env: cfg.env, detached: true, stdio: ['ignore', 1, 2] });
  } catch (e) { say({ error: String(e && e.message || e) }); process.exit(1); }
  child.on('error', (e) => { say({ error: e.message }); setTimeout(() => process.exit(1), 50); });
  child.on('spawn', () => { pid = child.pid; say({ pid }); });
  child.on('exit', (code, signal) => { killGroup('SIGKILL'); say({ exit: code, signal }); if (!done) { done = true; ctl.end(() => process.exit(0)); setTimeout(() => process.exit(0), 1000).unref(); } });
});
ctl.on('error', () => end());
ctl.on('close', () => end());
ctl.on('end', () => end());
`;
