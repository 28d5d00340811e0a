// Starts @20minutes/s3rver (it has no usable CLI) on loopback for ringkeeper's tests and
// benchmarks. Usage:
//   node --openssl-legacy-provider tools/s3/s3rver.js --dir DIR --port-file FILE [--port N]
//        [--bucket NAME]... [--tls-cert PEM --tls-key PEM]
// With --tls-cert and --tls-key it serves HTTPS. Port 0 (the default) picks a free port; the bound port is written to --port-file (written to a
// temporary name and renamed, so a reader never sees half of it). Credentials are s3rver's
// built-in pair: access key S3RVER, secret S3RVER. Stops on SIGTERM/SIGINT.
// --openssl-legacy-provider: s3rver makes ListObjectsV2 continuation tokens with DES, which
// Node's OpenSSL 3 has only in its legacy provider (without it, paged listings answer 500).
'use strict'
const fs = require('node:fs')
const path = require('node:path')
const S3rver = require('@20minutes/s3rver')

const args = { dir: null, portFile: null, port: 0, buckets: [], cert: null, key: null }
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i]
  const v = process.argv[++i]
  if (v === undefined) throw new Error(`${a} needs a value`)
  if (a === '--dir') args.dir = v
  else if (a === '--port-file') args.portFile = v
  else if (a === '--port') args.port = Number(v)
  else if (a === '--bucket') args.buckets.push(v)
  else if (a === '--tls-cert') args.cert = fs.readFileSync(v)
  else if (a === '--tls-key') args.key = fs.readFileSync(v)
  else throw new Error(`unknown argument ${a}`)
}
if (!args.dir || !args.portFile) throw new Error('--dir and --port-file are required')

const server = new S3rver({
  address: '127.0.0.1',
  port: args.port,
  directory: args.dir,
  silent: true,
  configureBuckets: args.buckets.map((name) => ({ name })),
  ...(args.cert && args.key ? { cert: args.cert, key: args.key } : {}),
})

server.run((err, { port } = {}) => {
  if (err) {
    console.error(`s3rver: ${err.message}`)
    process.exit(1)
  }
  const tmp = `${args.portFile}.tmp`
  fs.writeFileSync(tmp, `${port}\n`)
  fs.renameSync(tmp, args.portFile)
  console.log(`s3rver listening on 127.0.0.1:${port}, data in ${path.resolve(args.dir)}`)
})

const stop = () => server.close(() => process.exit(0))
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
