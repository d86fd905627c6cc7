/**
 * The settings and workload the external load generators' tests pass: port 22600, 50 connections 16
 * deep, get/set 1:10 over 100,000 keys of 100 bytes, prefilled and verified.
 */
import type { RunSettings, Workload } from "../../src/bench/Workload.js"

/** Where and how a test run goes. */
export const settings: RunSettings = {
  host: "127.0.0.1",
  port: 22600,
  durationS: 5,
  prefill: true,
  verify: true,
  seed: 3
}

/** The shape of a test run. */
export const workload: Workload = {
  conns: 50,
  depth: 16,
  setWeight: 1,
  getWeight: 10,
  keys: 100_000,
  valueSize: 100,
  multiGet: 1
}
