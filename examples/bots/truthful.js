#!/usr/bin/env node
// A truthful-ish bidder that speaks the bidder protocol v1: Node.js, no npm dependencies.
//
// Run it as a seat:  python run.py auction --bidders jazz=exec:"node examples/bots/truthful.js",zong=truthful
// or in a tournament: --agent-cmd botjs="node examples/bots/truthful.js"
//
// Each round it demands every lot whose marginal value (its own values, from `start`) is above the band's
// clock price, greedily by surplus per eligibility point, within the cap headroom, its eligibility and its
// budget; in round 1 it meets the obligation. It reads only the messages (docs/PROTOCOL.md).
"use strict";

const readline = require("readline");

function send(message) {
  process.stdout.write(JSON.stringify(message) + "\n");
}

class Bot {
  constructor(start) {
    this.values = start.values.band_values_usd;
    this.budget = start.values.budget_usd;
    this.bands = {};
    for (const b of start.scenario.bands) this.bands[b.id] = b;
    this.lowBands = new Set(start.scenario.caps.low_band_bands);
  }

  demand(message) {
    const bands = {};
    for (const b of message.bands) bands[b.id] = b;
    const headroom = Object.assign({}, message.cap_headroom_mhz);
    const get = (key) => (key in headroom ? headroom[key] : Infinity);
    const change = (bandId, mhz) => {
      headroom.overall = get("overall") + mhz;
      if (this.lowBands.has(bandId)) headroom["low band"] = get("low band") + mhz;
      if (bandId in headroom) headroom[bandId] += mhz;
    };
    // Headroom counts the processed demand: add it back, the whole bundle is chosen afresh.
    for (const id of Object.keys(bands)) change(id, this.bands[id].lot_mhz * bands[id].processed);
    let pointsLeft = message.eligibility === null ? Infinity : message.eligibility;
    let budgetLeft = this.budget;
    const bundle = {};
    for (const id of Object.keys(bands)) bundle[id] = 0;
    const room = (bandId, lots) => {
      const mhz = this.bands[bandId].lot_mhz * lots;
      if (mhz > get("overall") + 1e-9) return false;
      if (this.lowBands.has(bandId) && mhz > get("low band") + 1e-9) return false;
      return mhz <= get(bandId) + 1e-9;
    };
    const take = (bandId, lots) => {
      change(bandId, -this.bands[bandId].lot_mhz * lots);
      pointsLeft -= this.bands[bandId].eligibility_points * lots;
      budgetLeft -= bands[bandId].clock_price_usd * lots;
      bundle[bandId] += lots;
    };
    for (const [bandId, lots] of Object.entries(message.obligation || {})) {
      if (bandId in bands && room(bandId, lots)) take(bandId, lots);
    }
    for (;;) {
      let best = null;
      for (const [id, b] of Object.entries(bands)) {
        const n = bundle[id];
        const curve = this.values[id] || [];
        if (n >= b.supply || n + 1 >= curve.length) continue;
        const surplus = curve[n + 1] - curve[n] - b.clock_price_usd;
        const points = this.bands[id].eligibility_points;
        if (surplus <= 0 || points > pointsLeft || b.clock_price_usd > budgetLeft || !room(id, 1)) continue;
        const score = surplus / Math.max(points, 1);
        if (best === null || score > best.score) best = { score, id };
      }
      if (best === null) return bundle;
      take(best.id, 1);
    }
  }

  bids(message) {
    if (message.excluded || message.status !== "open") return {};
    const bundle = this.demand(message);
    const bids = {};
    for (const b of message.bands) {
      if (bundle[b.id] !== b.processed) bids[b.id] = bundle[b.id];
    }
    return bids;
  }
}

send({ type: "hello", protocol: 1, name: "truthful.js" });
let bot = null;
const lines = readline.createInterface({ input: process.stdin, terminal: false });
lines.on("line", (line) => {
  const message = JSON.parse(line);
  if (message.type === "start") {
    bot = new Bot(message);
    send({ type: "ready", auction_id: message.auction_id });
  } else if (message.type === "round") {
    send({ type: "bids", round: message.round, bids: bot ? bot.bids(message) : {} });
  } else if (message.type === "end") {
    bot = null;
  } else if (message.type === "quit") {
    lines.close();
    process.exit(0);
  }
});
