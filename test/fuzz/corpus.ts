/**
 * Past finds, kept as regression cases (issue 12 and the fuzz suite's own finds). Each is run as is
 * by the suite of its surface, with what the answer must say.
 */
const valid = `name: x
target: { command: "node x.js", env: { PORT: "\${target.port}" } }
phases: [{ name: a, for: 1s }]
`;

export const scenarioCorpus: { name: string; text: string | number[]; expect: RegExp }[] = [
  {
    name: 'billion laughs',
    text: `a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n`,
    expect: /:1:1: aliases expand too far/,
  },
  { name: 'unresolved alias', text: 'name: *nope\n', expect: /:1:1: unresolved alias \*nope/ },
  { name: '5,000 nested [', text: '['.repeat(5000), expect: /:1:\d+: nested too deeply/ },
  { name: '5,000 nested [ closed again (crashed node in the YAML parser)', text: `name: ${'['.repeat(5000)}${']'.repeat(5000)}\n`, expect: /nested too deeply/ },
  { name: 'a !!js/function tag taken as a scenario name', text: valid.replace('name: x', 'name: !!js/function "function () {}"'), expect: /:1:7: Unresolved tag: tag:yaml\.org,2002:js\/function/ },
  { name: 'an unterminated ${target.port reached the target as is', text: valid.replace('${target.port}', '${target.port'), expect: /target\.env\.PORT: '\$\{target\.port' is not closed/ },
  { name: 'NUL and ESC[2J in a name are shown, not sent to the terminal', text: valid.replace('name: x', 'name: "\\0\\e[2J"\nbogus: 1'), expect: /bogus/ },
  { name: 'a list instead of a mapping', text: '- a\n- b\n', expect: /a scenario is a mapping of fields .* not a list/ },
  { name: 'invalid UTF-8', text: [0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xff, 0xfe, 0x0a], expect: /is not UTF-8 text/ },
  { name: 'UTF-16 with a BOM', text: [0xff, 0xfe, 0x6e, 0x00, 0x61, 0x00], expect: /is not UTF-8 text/ },
];

export const cliCorpus: { name: string; args: string[]; expect: RegExp }[] = [
  { name: '--version --bogus exited 0', args: ['--version', '--bogus'], expect: /--version takes no other arguments \(got '--bogus'\)/ },
  { name: 'validate --schema missing.yaml exited 0', args: ['validate', '--schema', 'missing.yaml'], expect: /--schema prints the JSON Schema and takes no files/ },
  { name: 'load --duration 99999h named load.load.duration', args: ['load', 'http://127.0.0.1:9/', '--duration', '99999h'], expect: /^crumple: --duration: must be between/ },
  { name: 'run --toxiproxy ftp:// was not refused as a flag', args: ['run', 'missing.yaml', '--toxiproxy', 'ftp://127.0.0.1:8474'], expect: /^crumple: --toxiproxy: 'ftp:\/\/127\.0\.0\.1:8474' must be an http\(s\) URL/ },
  { name: 'toxic list against a non-loopback Toxiproxy was contacted', args: ['toxic', 'list', '--toxiproxy', 'http://10.9.9.9:8474'], expect: /refusing to reach Toxiproxy at 10\.9\.9\.9/ },
];

/** Requests to the proxy API and the control API that once got a 500 or worse. */
export const apiCorpus: { name: string; api: 'proxy' | 'control'; method: string; path: string; body?: string; status: number }[] = [
  { name: 'malformed percent-encoding (proxy)', api: 'proxy', method: 'GET', path: '/proxies/%E0%A4%A', status: 400 },
  { name: 'malformed percent-encoding (control)', api: 'control', method: 'GET', path: '/standins/%E0%A4%A', status: 400 },
  { name: 'a proxy name no URL could reach again', api: 'proxy', method: 'POST', path: '/proxies', body: JSON.stringify({ name: 'a/b', upstream: '127.0.0.1:1' }), status: 400 },
  { name: 'listen port 99999', api: 'proxy', method: 'POST', path: '/proxies', body: JSON.stringify({ name: 'p99999', listen: '127.0.0.1:99999', upstream: '127.0.0.1:1' }), status: 400 },
];
