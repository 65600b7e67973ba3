'use strict'
// aedes on 127.0.0.1 for bc20kit's integration tests: a broker other than mosquitto and the
// embedded one, that speaks MQTT 3.1 and 3.1.1 and enforces 3.1's 23-byte client ids
// (CONNACK 2, D64).
//
//   node broker.js [PORT [LOG]]      (or AEDES_PORT, AEDES_LOG in the environment)
//
// PORT 0 (the default) takes a free port. The first line on stdout is always
// `listening 127.0.0.1:PORT`. The protocol log has one JSON object per line and event
// (connect, connackSent, subscribe, unsubscribe, publish, clientDisconnect, clientError,
// connectionError, keepaliveTimeout); it goes to LOG, or to stdout after the first line.
// SIGTERM and SIGINT close the broker.

const fs = require('fs')
const net = require('net')
const aedes = require('aedes')

const port = Number(process.argv[2] ?? process.env.AEDES_PORT ?? 0)
const logPath = process.argv[3] ?? process.env.AEDES_LOG
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`broker.js: bad port ${process.argv[2] ?? process.env.AEDES_PORT}`)
  process.exit(2)
}
const out = logPath ? fs.createWriteStream(logPath, { flags: 'a' }) : process.stdout

function log (event, client, fields) {
  const line = { t: Date.now(), event, client: client ? client.id : null, ...fields }
  out.write(JSON.stringify(line) + '\n')
}

function errorFields (err) {
  return { code: err.code ?? null, message: err.message }
}

const broker = aedes({
  // Every CONNECT is logged here, before aedes checks it, so refused ones are logged too.
  preConnect (client, packet, callback) {
    log('connect', null, {
      client: packet.clientId,
      protocolId: packet.protocolId,
      protocolVersion: packet.protocolVersion,
      clean: packet.clean,
      keepalive: packet.keepalive,
      username: packet.username ?? null,
      will: packet.will ? packet.will.topic : null
    })
    callback(null, true)
  }
})

broker.on('connackSent', (packet, client) =>
  log('connackSent', client, { returnCode: packet.returnCode, sessionPresent: packet.sessionPresent }))
broker.on('subscribe', (subs, client) =>
  log('subscribe', client, { subscriptions: subs.map(s => ({ topic: s.topic, qos: s.qos })) }))
broker.on('unsubscribe', (topics, client) => log('unsubscribe', client, { topics }))
broker.on('publish', (packet, client) => {
  // The broker's own $SYS heartbeats have no client: not the suite's traffic.
  if (!client) return
  log('publish', client, {
    topic: packet.topic,
    qos: packet.qos,
    retain: packet.retain,
    dup: packet.dup,
    bytes: packet.payload ? packet.payload.length : 0
  })
})
broker.on('clientDisconnect', client => log('clientDisconnect', client, {}))
broker.on('clientError', (client, err) => log('clientError', client, errorFields(err)))
broker.on('connectionError', (client, err) => log('connectionError', client, errorFields(err)))
broker.on('keepaliveTimeout', client => log('keepaliveTimeout', client, {}))

const server = net.createServer(broker.handle)
server.listen(port, '127.0.0.1', () => {
  const a = server.address()
  process.stdout.write(`listening ${a.address}:${a.port}\n`)
})

function stop () {
  server.close()
  broker.close(() => {
    if (out !== process.stdout) {
      out.end(() => process.exit(0))
    } else {
      process.exit(0)
    }
  })
  // Open client sockets must not keep the process alive.
  setTimeout(() => process.exit(0), 1000).unref()
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
