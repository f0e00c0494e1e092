'use strict';
// The S3-speaking server of the BackupPS tests and benchmarks: s3rver 3.7.1 on 127.0.0.1 with four fixes that make
// it behave like S3 where BackupPS's tests depend on it (s3rver's own behaviour in brackets):
//   1. AWS Signature V4 is verified: a wrong secret key is refused with 403 SignatureDoesNotMatch
//      [s3rver only checks that the access key id exists], and requests without credentials get 403 AccessDenied
//      [s3rver lets them through].
//   2. A PUT object is stored under a temporary name and renamed once the whole body arrived: an interrupted upload
//      leaves no object [s3rver writes straight to the object and a client killed mid-PUT leaves a truncated object
//      that is listed and downloadable; an object being uploaded is visible before it is complete].
//   3. aws-chunked request bodies (x-amz-content-sha256: STREAMING-..., sent by the AWS SDKs for streamed uploads)
//      are decoded [s3rver stores the chunk framing and signatures as part of the object].
//   5. AbortMultipartUpload (DELETE ?uploadId=) removes the upload's parts [s3rver: 405 MethodNotAllowed, parts stay]
//      and ListMultipartUploads (GET /bucket?uploads) lists unfinished uploads [s3rver: 501 NotImplemented].
//   6. Fault injection for the retry tests (off unless asked): --fail-every N answers every N-th request with
//      503 SlowDown (after reading its body), --cut-get-every N sends only the first half of every N-th GET of an
//      object's bytes, then drops the connection; each injected fault is a line in --fault-log.
//   4. ListObjectsV2 continuation tokens work on Node >= 17 [s3rver encrypts them with DES, which OpenSSL 3 only has
//      in its legacy provider: every truncated listing (> max-keys objects) fails with 500 InternalError]; the
//      harness starts node with --openssl-legacy-provider, and this script refuses to start without it.
// Usage: node --openssl-legacy-provider server.js --directory <dir> [--port <n>] [--bucket <name>]... [--log <file>]
//          [--max-bytes-per-second <n>]   (a slow link: request bodies are read at most this fast, for kill tests)
//          [--fail-every <n>] [--cut-get-every <n>] [--fault-log <file>]   (transient faults, see 6.)
//          [--secret-key <key>]   (the secret key requests are signed with; default S3RVER)
// Prints "S3SERVER LISTENING <port>" on stdout once it accepts requests. Access key / secret key: S3RVER / S3RVER
// (or --secret-key).
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { Transform } = require('stream');
const S3rver = require('s3rver');
const FilesystemStore = require('s3rver/lib/stores/filesystem');
const S3Error = require('s3rver/lib/models/error');

const args = process.argv.slice(2);
const options = { directory: null, port: 0, buckets: [], log: null, rate: 0, failEvery: 0, cutGetEvery: 0, faultLog: null, secretKey: 'S3RVER' };
for (let i = 0; i < args.length; i++) {
  const value = args[i + 1];
  switch (args[i]) {
    case '--directory': options.directory = value; i++; break;
    case '--port': options.port = Number(value); i++; break;
    case '--bucket': options.buckets.push(value); i++; break;
    case '--log': options.log = value; i++; break;
    case '--max-bytes-per-second': options.rate = Number(value); i++; break;
    case '--fail-every': options.failEvery = Number(value); i++; break;
    case '--cut-get-every': options.cutGetEvery = Number(value); i++; break;
    case '--fault-log': options.faultLog = value; i++; break;
    case '--secret-key': options.secretKey = value; i++; break;
    default: console.error(`unknown argument: ${args[i]}`); process.exit(2);
  }
}
if (!options.directory) { console.error('--directory is required'); process.exit(2); }
try {
  crypto.createCipheriv('des', Buffer.alloc(8), Buffer.alloc(8));
} catch (e) {
  console.error('DES is unavailable: start node with --openssl-legacy-provider (s3rver needs it for ListObjectsV2 continuation tokens)');
  process.exit(2);
}

const ACCESS_KEY = 'S3RVER';
const SECRET_KEY = options.secretKey;

// ---- 2. atomic PUT object -------------------------------------------------------------------------------------
FilesystemStore.prototype.putObject = async function putObject(object) {
  const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
  fs.mkdirSync(path.dirname(objectPath), { recursive: true });
  const temporary = `${objectPath}.${crypto.randomBytes(6).toString('hex')}.uploading`;
  const md5Context = crypto.createHash('md5');
  let size = 0;
  await new Promise((resolve, reject) => {
    if (Buffer.isBuffer(object.content)) {
      fs.writeFileSync(temporary, object.content);
      md5Context.update(object.content);
      size = object.content.length;
      resolve();
      return;
    }
    const source = object.content;
    const sink = fs.createWriteStream(temporary);
    let settled = false;
    const fail = err => {
      if (settled) return;
      settled = true;
      sink.destroy();
      fs.rm(temporary, { force: true }, () => reject(err));
    };
    source.on('error', fail);
    source.on('aborted', () => fail(new Error('request aborted')));
    // An incoming request that closes before its end event was cut off.
    let ended = false;
    source.on('end', () => { ended = true; });
    source.on('close', () => { if (!ended) fail(new Error('request closed before its end')); });
    sink.on('error', fail);
    sink.on('finish', () => { if (!settled) { settled = true; resolve(); } });
    source.on('data', chunk => { md5Context.update(chunk); size += chunk.length; });
    source.pipe(sink);
  });
  const md5 = md5Context.digest('hex');
  await this.putMetadata(object.bucket, object.key, object.metadata, md5);
  fs.renameSync(temporary, objectPath);
  return { size, md5 };
};

// ---- 3. aws-chunked bodies --------------------------------------------------------------------------------------
// Body: <hex size>[;chunk-signature=<sig>]\r\n<data>\r\n ... 0[;chunk-signature=<sig>]\r\n[<trailer>:<value>\r\n]*\r\n
class AwsChunkedDecoder extends Transform {
  constructor() {
    super();
    this.buffer = Buffer.alloc(0);
    this.remaining = -1; // bytes of chunk data still to pass on; -1 = expecting a chunk header
    this.skipCrlf = false;
    this.done = false;
  }
  _transform(chunk, encoding, callback) {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    try { this.drain(); } catch (err) { return callback(err); }
    callback();
  }
  drain() {
    for (;;) {
      if (this.done) { this.buffer = Buffer.alloc(0); return; }
      if (this.remaining > 0) {
        if (this.buffer.length === 0) return;
        const n = Math.min(this.remaining, this.buffer.length);
        this.push(this.buffer.subarray(0, n));
        this.buffer = this.buffer.subarray(n);
        this.remaining -= n;
        if (this.remaining === 0) { this.remaining = -1; this.skipCrlf = true; }
        continue;
      }
      if (this.skipCrlf) {
        if (this.buffer.length < 2) return;
        if (this.buffer[0] !== 13 || this.buffer[1] !== 10) throw new Error('aws-chunked: missing CRLF after chunk data');
        this.buffer = this.buffer.subarray(2);
        this.skipCrlf = false;
      }
      const eol = this.buffer.indexOf('\r\n');
      if (eol < 0) {
        if (this.buffer.length > 4096) throw new Error('aws-chunked: chunk header too long');
        return;
      }
      const header = this.buffer.subarray(0, eol).toString('latin1');
      this.buffer = this.buffer.subarray(eol + 2);
      const size = parseInt(header.split(';')[0], 16);
      if (Number.isNaN(size)) throw new Error(`aws-chunked: bad chunk header '${header}'`);
      if (size === 0) { this.done = true; continue; } // trailers and the final CRLF follow; they are not content
      this.remaining = size;
    }
  }
  _flush(callback) {
    callback(this.done ? undefined : new Error('aws-chunked: body ended before its final chunk'));
  }
}

// A slow link for one request body: at most `rate` bytes per second pass.
class Throttle extends Transform {
  constructor(rate) { super(); this.rate = rate; this.started = Date.now(); this.passed = 0; }
  _transform(chunk, encoding, callback) {
    this.passed += chunk.length;
    const due = this.started + (this.passed / this.rate) * 1000;
    setTimeout(() => callback(null, chunk), Math.max(0, due - Date.now()));
  }
}

// ---- 1. Signature V4 ------------------------------------------------------------------------------------------
function encodeRfc3986(s) {
  return encodeURIComponent(s).replace(/[!'()*]/g, c => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}
function hmac(key, data) { return crypto.createHmac('sha256', key).update(data, 'utf8').digest(); }
function canonicalQuery(rawQuery) {
  if (!rawQuery) return '';
  return rawQuery.split('&').filter(p => p.length > 0).map(p => {
    const eq = p.indexOf('=');
    const k = decodeURIComponent((eq < 0 ? p : p.slice(0, eq)).replace(/\+/g, '%20'));
    const v = eq < 0 ? '' : decodeURIComponent(p.slice(eq + 1).replace(/\+/g, '%20'));
    return [encodeRfc3986(k), encodeRfc3986(v)];
  }).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`).join('&');
}
function canonicalPath(rawPath) {
  // S3 signs the path encoded once, each segment as RFC 3986 (what the SDKs send on the wire).
  return rawPath.split('/').map(s => encodeRfc3986(decodeURIComponent(s))).join('/');
}
function verifySignatureV4(ctx) {
  const authorization = ctx.get('authorization');
  const m = /^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})\s*$/.exec(authorization);
  if (!m) throw new S3Error('AuthorizationHeaderMalformed', 'The authorization header is malformed.');
  const [, accessKey, date, region, service, signedHeaders, signature] = m;
  if (accessKey !== ACCESS_KEY) {
    throw new S3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', { AWSAccessKeyId: accessKey });
  }
  const amzDate = ctx.get('x-amz-date');
  const payloadHash = ctx.get('x-amz-content-sha256');
  const raw = ctx.req.url;
  const q = raw.indexOf('?');
  const headerLines = signedHeaders.split(';').map(h => {
    const values = ctx.req.headersDistinct ? ctx.req.headersDistinct[h] : [ctx.req.headers[h]];
    const value = (values || ['']).map(v => String(v).trim().replace(/\s+/g, ' ')).join(',');
    return `${h}:${value}\n`;
  }).join('');
  const canonicalRequest = [
    ctx.req.method,
    canonicalPath(q < 0 ? raw : raw.slice(0, q)),
    canonicalQuery(q < 0 ? '' : raw.slice(q + 1)),
    headerLines,
    signedHeaders,
    payloadHash,
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope,
    crypto.createHash('sha256').update(canonicalRequest, 'utf8').digest('hex')].join('\n');
  const key = hmac(hmac(hmac(hmac('AWS4' + SECRET_KEY, date), region), service), 'aws4_request');
  const expected = crypto.createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  if (expected !== signature) {
    throw new S3Error('SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      { AWSAccessKeyId: accessKey, CanonicalRequest: canonicalRequest, StringToSign: stringToSign });
  }
}

// ---- 5. multipart upload management ----------------------------------------------------------------------------
function uploadsFolder(store, bucket) { return store.getResourcePath(bucket, undefined, 'uploads'); }
function escapeXml(v) { return String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'); }
async function multipartManagement(ctx) {
  const parts = ctx.path.split('/');
  const bucket = decodeURIComponent(parts[1] || '');
  if (!bucket) return false;
  const store = ctx.app.store;
  if (ctx.method === 'DELETE' && 'uploadId' in ctx.query && parts.length > 2) {
    if (!(await store.getBucket(bucket))) throw new S3Error('NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });
    const dir = path.join(uploadsFolder(store, bucket), path.basename(String(ctx.query.uploadId)));
    if (!fs.existsSync(dir)) throw new S3Error('NoSuchUpload', 'The specified upload does not exist.', { UploadId: ctx.query.uploadId });
    fs.rmSync(dir, { recursive: true, force: true });
    ctx.status = 204;
    return true;
  }
  if (ctx.method === 'GET' && 'uploads' in ctx.query && (parts.length === 2 || (parts.length === 3 && parts[2] === ''))) {
    if (!(await store.getBucket(bucket))) throw new S3Error('NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });
    const prefix = String(ctx.query.prefix || '');
    const root = uploadsFolder(store, bucket);
    const uploads = [];
    for (const id of fs.existsSync(root) ? fs.readdirSync(root) : []) {
      const keyFile = path.join(root, id, 'key');
      if (!fs.existsSync(keyFile)) continue;
      const key = fs.readFileSync(keyFile, 'utf8');
      if (!key.startsWith(prefix)) continue;
      uploads.push({ id, key, initiated: fs.statSync(path.join(root, id)).mtime });
    }
    uploads.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    ctx.type = 'application/xml';
    ctx.body = '<?xml version="1.0" encoding="UTF-8"?>\n<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
      `<Bucket>${escapeXml(bucket)}</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker><Prefix>${escapeXml(prefix)}</Prefix>` +
      `<MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>` +
      uploads.map(u => `<Upload><Key>${escapeXml(u.key)}</Key><UploadId>${u.id}</UploadId>` +
        '<Initiator><ID>S3RVER</ID><DisplayName>S3rver</DisplayName></Initiator><Owner><ID>S3RVER</ID><DisplayName>S3rver</DisplayName></Owner>' +
        `<StorageClass>STANDARD</StorageClass><Initiated>${u.initiated.toISOString()}</Initiated></Upload>`).join('') +
      '</ListMultipartUploadsResult>';
    return true;
  }
  return false;
}

// ---- 6. fault injection -----------------------------------------------------------------------------------------
let requestCount = 0;
let objectGetCount = 0;
function recordFault(line) {
  if (options.faultLog) fs.appendFileSync(options.faultLog, `${line}\n`);
}
function drain(req) {
  return new Promise(resolve => {
    if (req.complete) return resolve();
    req.on('end', resolve);
    req.on('close', resolve);
    req.on('error', resolve);
    req.resume();
  });
}
async function injectSlowDown(ctx) {
  if (!(options.failEvery > 0) || ++requestCount % options.failEvery !== 0) return false;
  await drain(ctx.req);
  recordFault(`503 SlowDown ${ctx.method} ${ctx.url}`);
  ctx.status = 503;
  ctx.type = 'application/xml';
  ctx.set('Retry-After', '0');
  ctx.body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>' +
    `<Resource>${escapeXml(ctx.path)}</Resource><RequestId>fault-${requestCount}</RequestId></Error>`;
  return true;
}
function isObjectGet(ctx) {
  const parts = ctx.path.split('/');
  return ctx.method === 'GET' && parts.length > 2 && parts[2] !== '' && !('uploads' in ctx.query) && !('uploadId' in ctx.query);
}
// After the object's response is ready: every N-th object GET sends half its body, then the connection drops.
function cutGetBody(ctx) {
  if (!(options.cutGetEvery > 0) || !isObjectGet(ctx) || ctx.status >= 300) return;
  const total = ctx.length;
  const source = ctx.body;
  if (!total || total < 2 || !source || typeof source.pipe !== 'function') return;
  if (++objectGetCount % options.cutGetEvery !== 0) return;
  const keep = Math.floor(total / 2);
  let sent = 0;
  const socket = ctx.req.socket;
  const cutter = new Transform({
    transform(chunk, encoding, callback) {
      if (sent >= keep) return callback();
      const piece = sent + chunk.length <= keep ? chunk : chunk.subarray(0, keep - sent);
      sent += piece.length;
      callback(null, piece);
      if (sent >= keep) setTimeout(() => { source.destroy(); socket.destroy(); }, 20);
    },
  });
  cutter.on('error', () => {});
  source.on('error', () => {});
  recordFault(`cut GET ${ctx.url} after ${keep} of ${total} bytes`);
  ctx.body = source.pipe(cutter);
  ctx.length = total;
}

async function s3Compatibility(ctx, next) {
  const authorization = ctx.get('authorization');
  if (authorization.startsWith('AWS4-HMAC-SHA256')) {
    verifySignatureV4(ctx);
  } else if (!authorization && !('X-Amz-Algorithm' in ctx.query) && !('Signature' in ctx.query)) {
    throw new S3Error('AccessDenied', 'Access Denied');
  }
  if (await injectSlowDown(ctx)) return;
  if (options.rate > 0 && ctx.req.method === 'PUT') {
    const throttle = new Throttle(options.rate);
    throttle.on('error', () => {}); // a client cut off mid-body: s3rver's part upload has no error handler of its own
    const original = ctx.req;
    original.on('error', err => throttle.destroy(err));
    original.on('close', () => { if (!original.complete) throttle.destroy(new Error('request closed before its end')); });
    throttle.headers = original.headers;
    throttle.complete = false;
    throttle.on('end', () => { throttle.complete = true; });
    original.pipe(throttle);
    ctx.req = throttle;
  }
  const payload = ctx.get('x-amz-content-sha256');
  if (payload.startsWith('STREAMING-')) {
    const decoder = new AwsChunkedDecoder();
    decoder.on('error', () => {}); // as above: the consumer sees the body end early, the server keeps running
    const original = ctx.req;
    original.on('error', err => decoder.destroy(err));
    original.on('aborted', () => decoder.destroy(new Error('request aborted')));
    original.on('close', () => { if (original.complete === false) decoder.destroy(new Error('request closed before its end')); });
    decoder.headers = original.headers;
    original.pipe(decoder);
    ctx.req = decoder;
  }
  if (await multipartManagement(ctx)) return;
  await next();
  cutGetBody(ctx);
}

// A test server must outlive a client killed mid-request: log what would otherwise end the process.
process.on('uncaughtException', err => { process.stderr.write(`uncaught: ${err && err.stack || err}\n`); });
process.on('unhandledRejection', err => { process.stderr.write(`unhandled rejection: ${err && err.stack || err}\n`); });

const server = new S3rver({
  address: '127.0.0.1',
  port: options.port,
  directory: options.directory,
  silent: !options.log,
  configureBuckets: options.buckets.map(name => ({ name, configs: [] })),
});
if (options.log) {
  const stream = fs.createWriteStream(options.log, { flags: 'a' });
  server.logger.clear();
  const winston = require('winston');
  server.logger.add(new winston.transports.Stream({ stream, format: winston.format.combine(winston.format.splat(), winston.format.simple()) }));
}
// After s3rver's request logger, before everything else.
server.middleware.splice(1, 0, s3Compatibility);
server.run((err, address) => {
  if (err) { console.error(err); process.exit(1); }
  process.stdout.write(`S3SERVER LISTENING ${address.port}\n`);
});
