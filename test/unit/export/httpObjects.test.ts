import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeCaptureFile } from '../../../server/src/analysis/analyzeCapture';
import { exportHttpObjects, objectFileName } from '../../../server/src/export/httpObjects';
import { sample, sharedCapturesDir, streamOf, tshark } from '../helpers';

describe('objectFileName', () => {
  const cases: [target: string, mediaType: string | undefined, expected: string][] = [
    ['/style/enhanced.css', 'text/css', 'enhanced.css'],
    ['/api/orders?page=2#top', 'application/json', 'orders.json'],
    ['/', 'text/html', 'index.html'],
    ['*', undefined, 'index.bin'],
    ['http://evil.test/a/b/report.pdf?x', 'application/pdf', 'report.pdf'],
    ['/../../etc/passwd', 'text/plain', 'passwd.txt'],
    ['/..%2F..%2F..%2Fetc%2Fshadow', undefined, 'shadow.bin'],
    ['/a%5C..%5C..%5Cwindows%5Cwin.ini', 'text/plain', 'win.ini'],
    ['/..', 'text/plain', 'index.txt'],
    ['/%2e%2e', 'text/plain', 'index.txt'],
    ['/.bashrc', 'text/plain', 'bashrc.txt'],
    ['/CON', 'text/plain', '_CON.txt'],
    ['/nul.txt', 'text/plain', '_nul.txt'],
    ['/a%00b%0Ac:d|e*f?.js', 'application/javascript', 'a_b_c_d_e_f.js'],
    ['/evil\u202egnp.exe', 'image/png', 'evil_gnp.exe'],
    ['/trailing.dots...', 'text/plain', 'trailing.dots'],
    ['/x.veryveryverylongextension', 'application/json', 'x.veryveryverylongextension.json'],
    ['/%zz%', 'text/plain', '%zz%.txt'],
  ];
  for (const [target, mediaType, expected] of cases) {
    it(`${JSON.stringify(target)} → ${expected}`, () => assert.equal(objectFileName(target, mediaType, 'response'), expected));
  }

  it('caps long names at 100 characters, keeping the extension', () => {
    const name = objectFileName(`/${'a'.repeat(500)}.json`, 'application/json', 'response');
    assert.equal(name.length, 100);
    assert.ok(name.endsWith('.json'));
  });

  it('marks request bodies', () => assert.equal(objectFileName('/upload', 'application/json', 'request'), 'upload.request.json'));
});

describe('exportHttpObjects', () => {
  let folder: string;
  beforeEach(() => (folder = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-objects-'))));
  afterEach(() => fs.rmSync(folder, { recursive: true, force: true }));

  it('writes the same decoded bodies as tshark --export-objects http (gzip CSS and JS, images)', async () => {
    const capture = path.join(sharedCapturesDir(), 'zeek--pipelined-requests.pcap');
    const analysis = await analyzeCaptureFile(capture);
    const stream = [...analysis.streams.values()].find((s) => s.http.exchanges.length === 5)!;
    const written = await exportHttpObjects(stream, path.join(folder, 'ours'));
    const theirs = path.join(folder, 'tshark');
    tshark(['-r', capture, '-q', '--export-objects', `http,${theirs}`]);
    const names = fs.readdirSync(theirs).sort();
    assert.deepEqual(written.map((object) => path.basename(object.file)).sort(), names);
    for (const name of names) assert.ok(fs.readFileSync(path.join(folder, 'ours', name)).equals(fs.readFileSync(path.join(theirs, name))), `${name} differs from tshark's`);
  });

  it('never writes outside the folder or over an existing file, whatever the targets say', async () => {
    const request = (target: string) => `GET ${target} HTTP/1.1\r\nHost: a\r\n\r\n`;
    const response = (body: string) => `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const targets = ['/../../escape.txt', '/..%2F..%2Fescape.txt', '/same.txt', '/same.txt', '/%2e%2e'];
    const stream = streamOf(targets.map(request).join(''), targets.map((_, i) => response(`body ${i}`)).join(''));
    fs.writeFileSync(path.join(folder, 'same.txt'), 'already here');
    const written = await exportHttpObjects(stream, folder);
    assert.equal(written.length, 5);
    for (const { file } of written) assert.equal(path.dirname(file), folder);
    assert.deepEqual(fs.readdirSync(folder).sort(), ['escape (2).txt', 'escape.txt', 'index.txt', 'same (2).txt', 'same (3).txt', 'same.txt']);
    assert.equal(fs.readFileSync(path.join(folder, 'same.txt'), 'utf8'), 'already here');
    assert.equal(fs.readFileSync(path.join(folder, 'same (2).txt'), 'utf8'), 'body 2');
    assert.ok(!fs.existsSync(path.join(folder, '..', 'escape.txt')));
  });
});

describe('exportHttpObjects on HTTP/2', () => {
  let folder: string;
  beforeEach(() => (folder = fs.mkdtempSync(path.join(os.tmpdir(), 'wirelens-objects-'))));
  afterEach(() => fs.rmSync(folder, { recursive: true, force: true }));

  it('writes each stream’s DATA, decoded, named after :path', async () => {
    const stream = (await analyzeCaptureFile(sample('h2c-grpc.pcapng'))).streams.get(0)!;
    const written = await exportHttpObjects(stream, folder);
    assert.deepEqual(written.map((object) => path.basename(object.file)), ['hello.txt', 'Get.request.bin']);
    assert.equal(fs.readFileSync(path.join(folder, 'hello.txt'), 'utf8'), 'hello from /hello\n');
    assert.equal(fs.statSync(path.join(folder, 'Get.request.bin')).size, 7);
  });
});
