import { describe, expect, it } from "@effect/vitest"
import * as Cli from "../../src/config/Cli.js"
import { applyTlsOption, tlsDefaults } from "../../src/config/TlsSettings.js"

const settingsOf = (argv: Array<string>) => {
  const command = Cli.parse(argv)
  if (command._tag !== "Run") throw new Error(`expected Run, got ${JSON.stringify(command)}`)
  return command
}

describe("TlsSettings", () => {
  it("has memcached 1.6.18's defaults: off, PEM, no client certificates, TLS 1.2 and up, 16 KB buffer", () => {
    expect(tlsDefaults).toEqual({
      enabled: false,
      chainCert: null,
      key: null,
      keyFormat: 1,
      verifyMode: 0,
      caCert: null,
      ciphers: null,
      minVersion: "tlsv1.2",
      sessionCache: false,
      wbufSize: 16384
    })
  })

  it("reads -Z and every -o ssl_* option, in one -o or several", () => {
    const { settings } = settingsOf([
      "-Z",
      "-o",
      "ssl_chain_cert=/c.pem,ssl_key=/k.der,ssl_keyformat=2",
      "-o",
      "ssl_verify_mode=2,ssl_ca_cert=/ca.pem,ssl_ciphers=ECDHE+AESGCM,ssl_min_version=3",
      "--extended=ssl_session_cache,ssl_wbuf_size=64"
    ])
    expect(settings.tls).toEqual({
      enabled: true,
      chainCert: "/c.pem",
      key: "/k.der",
      keyFormat: 2,
      verifyMode: 2,
      caCert: "/ca.pem",
      ciphers: "ECDHE+AESGCM",
      minVersion: "tlsv1.3",
      sessionCache: true,
      wbufSize: 65536
    })
    expect(settingsOf(["--enable-ssl"]).settings.tls.enabled).toBe(true)
  })

  it("takes ssl_min_version as memcached's number or as the name stats settings shows", () => {
    const version = (v: string) => applyTlsOption("ssl_min_version", v, tlsDefaults)
    expect(version("0")).toMatchObject({ tls: { minVersion: "tlsv1.0" } })
    expect(version("2")).toMatchObject({ tls: { minVersion: "tlsv1.2" } })
    expect(version("tlsv1.3")).toMatchObject({ tls: { minVersion: "tlsv1.3" } })
    expect(version("4")).toEqual({
      _tag: "Invalid",
      message: "Invalid ssl_min_version. Use help to see valid options."
    })
    expect(version("tls1")).toMatchObject({ _tag: "Invalid" })
  })

  it("refuses bad values with memcached's messages, naming the option", () => {
    expect(Cli.parse(["-o", "ssl_verify_mode=4"])).toEqual({
      _tag: "Invalid",
      message: "invalid -o/--extended \"ssl_verify_mode=4\": Invalid ssl_verify_mode. Use help to see valid options."
    })
    expect(applyTlsOption("ssl_verify_mode", "x", tlsDefaults)).toEqual({
      _tag: "Invalid",
      message: "could not parse argument to ssl_verify_mode"
    })
    expect(applyTlsOption("ssl_chain_cert", undefined, tlsDefaults)).toEqual({
      _tag: "Invalid",
      message: "Missing ssl_chain_cert argument"
    })
    expect(applyTlsOption("ssl_keyformat", "3", tlsDefaults)).toMatchObject({ _tag: "Invalid" })
    expect(applyTlsOption("ssl_kernel_tls", undefined, tlsDefaults)).toEqual({
      _tag: "Invalid",
      message: "Kernel TLS offload is not available"
    })
    expect(applyTlsOption("idle_timeout", "5", tlsDefaults)).toEqual({ _tag: "NotTls" })
  })

  it("reads -Y, and warns when its passwords would cross a network without TLS", () => {
    expect(settingsOf(["-Y", "/etc/effcached/auth"]).settings.authFile).toBe("/etc/effcached/auth")
    expect(settingsOf(["--auth-file=/a"]).settings.authFile).toBe("/a")
    expect(settingsOf(["-Y", "/a"]).warnings).toEqual([])
    expect(settingsOf(["-Y", "/a", "-l", "0.0.0.0"]).warnings).toEqual([
      "-Y on a listener without TLS: passwords cross the network in clear text (see docs/security.md)"
    ])
    expect(settingsOf(["-Y", "/a", "-l", "0.0.0.0", "-Z"]).warnings).toEqual([])
    expect(Cli.parse(["-Y", ""])).toMatchObject({ _tag: "Invalid" })
  })

  it("accepts memcached's relaxed_privileges (its test suite passes it) with a warning", () => {
    expect(settingsOf(["-o", "relaxed_privileges"]).warnings).toHaveLength(1)
  })
})
