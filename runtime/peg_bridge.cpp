#include "runtime/peg_bridge.hpp"

#include <algorithm>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <fmt/format.h>
#include <spdlog/logger.h>

#include "chains/codec/block_codec.hpp"
#include "chains/peg/peg_module.hpp"
#include "chains/sidechain/registry_payloads.hpp"

namespace bfd::runtime {

namespace {
constexpr auto query_timeout = std::chrono::seconds(10);
// Blocks one pass scans per direction (a bridge far behind catches up over several passes).
constexpr std::uint64_t max_scan_per_pass = 256;

// Refusals that mean the entry already took effect, or never can: nothing left to carry.
bool settled(errc code) {
  return code == errc::duplicate || code == errc::wrong_status || code == errc::expired;
}

std::string id_text(const peg::message_id& id) {
  return fmt::format("{}:{}", id.source, id.sequence);
}
} // namespace

peg_bridge::peg_bridge(caf::actor_system& system, node& n, peg_bridge_options options)
  : system_(system), directory_(n.directory()), options_(std::move(options)), submitter_(system, options_.keys) {}

peg_bridge::~peg_bridge() {
  stop();
}

void peg_bridge::note(const std::string& problem, bridge_report& out) {
  out.problems.push_back(problem);
  if (options_.log && reported_.insert(problem).second)
    options_.log->warn("peg bridge: {}", problem);
}

bool peg_bridge::has_peg(chain_id id) {
  if (auto i = pegged_.find(id); i != pegged_.end())
    return i->second;
  const auto* unit = handles(id);
  if (!unit)
    return false;
  caf::scoped_actor self{system_};
  std::optional<bool> yes;
  self->request(unit->chain, query_timeout, pegmsg_atom::value, std::uint32_t{0}, std::uint64_t{0})
    .receive([&](const peg_message_view& v) { yes = v.code == 0; }, [&](const caf::error&) {});
  if (yes)
    pegged_[id] = *yes;  // a chain's modules never change: asked once
  return yes.value_or(false);
}

status peg_bridge::submit(chain_id chain, tx_payload payload) {
  const auto* unit = handles(chain);
  if (!unit)
    return make_error(errc::unknown_chain, "chain " + std::to_string(chain) + " is not hosted here");
  return submitter_.submit(chain, unit->chain, unit->mempool, std::move(payload));
}

status peg_bridge::update_client(chain_id side, std::uint64_t needed, bridge_report& out) {
  if (client_height_[side] >= needed)
    return {};
  const auto* main = handles(mainchain_id);
  if (!main)
    return make_error(errc::unknown_chain, "the mainchain is not hosted here");
  caf::scoped_actor self{system_};
  bytes raw;
  self->request(main->chain, query_timeout, pegfinal_atom::value)
    .receive([&](bytes& b) { raw = std::move(b); }, [&](const caf::error&) {});
  if (raw.empty())
    return make_error(errc::not_found, "the mainchain has no final certificate yet");
  auto p = codec::decode_sidechain_anchor(raw);
  if (!p)
    return p.error();
  const auto height = p->header.height;
  auto st = submit(side, peg_client_update_tx{std::make_shared<const sidechain_anchor_payload>(std::move(*p))});
  if (!st && !settled(st.error().code) && st.error().code != errc::stale)
    return st;
  client_height_[side] = height;
  ++out.client_updates;
  return {};
}

void peg_bridge::carry(chain_id from, chain_id to, bridge_report& out) {
  auto& dir = directions_[{from, to}];
  const auto* src = handles(from);
  if (!src)
    return;
  caf::scoped_actor self{system_};
  std::optional<finality_certificate> cert;
  self->request(src->chain, query_timeout, cert_atom::value)
    .receive([&](const certificate_envelope& c) {
      if (c)
        cert = *c;
    }, [&](const caf::error&) {});
  if (!cert || !cert->proves_final())
    return;
  const auto final_height = cert->source_height;
  if (final_height <= dir.scanned)
    return;
  const auto first = dir.scanned + 1;
  const auto last = std::min(final_height, first + max_scan_per_pass - 1);
  // Headers first..final_height: every bundle links its header up to the certified final one.
  std::vector<block_header> headers;
  for (auto h = first; h <= final_height && headers.size() < final_height - first + 1;) {
    header_range range;
    self->request(src->chain, query_timeout, headers_atom::value, h, final_height)
      .receive([&](header_range& r) { range = std::move(r); }, [&](const caf::error&) {});
    if (range.headers.empty())
      break;
    for (const auto& raw : range.headers) {
      auto hd = codec::decode_block_header(raw);
      if (!hd)
        return note(fmt::format("chain {}: undecodable header {}: {}", from, h, hd.error().detail), out);
      headers.push_back(*hd);
    }
    h = first + headers.size();
  }
  if (headers.size() != final_height - first + 1 || header_hash(headers.back()) != cert->source)
    return;  // a new final block raced the reads: next pass
  for (auto h = first; h <= last; ++h) {
    const auto& header = headers[h - first];
    if (header.outbox_root == peg::empty_outbox_root()) {
      dir.scanned = h;
      continue;
    }
    peg_outbox_reply reply;
    self->request(src->chain, query_timeout, pegout_atom::value, h)
      .receive([&](peg_outbox_reply& r) { reply = std::move(r); },
               [&](const caf::error& e) { reply.code = static_cast<std::uint16_t>(errc::io); reply.detail = system_.render(e); });
    if (reply.code != 0 || reply.block != header_hash(header)) {
      note(fmt::format("chain {} block {}: outbox not available ({}); its entries are not carried", from, h,
                       reply.code ? reply.detail : "block changed"), out);
      dir.scanned = h;
      continue;
    }
    peg::outbox box;
    std::vector<peg::outbox_entry> entries;
    for (std::size_t i = 0; i < reply.entries.size(); ++i) {
      if (reply.kinds.at(i) == 1) {
        auto a = codec::decode_peg_ack(reply.entries[i]);
        if (!a)
          return note(fmt::format("chain {} block {}: bad ack: {}", from, h, a.error().detail), out);
        entries.emplace_back(*a);
      } else {
        auto m = codec::decode_peg_message(reply.entries[i]);
        if (!m)
          return note(fmt::format("chain {} block {}: bad message: {}", from, h, m.error().detail), out);
        entries.emplace_back(*m);
      }
      box.add(entries.back());
    }
    if (box.root() != header.outbox_root) {
      note(fmt::format("chain {} block {}: kept outbox does not give the header's root", from, h), out);
      dir.scanned = h;
      continue;
    }
    bool failed = false;
    for (std::size_t i = 0; i < entries.size() && !failed; ++i) {
      const auto* msg = std::get_if<peg::peg_message>(&entries[i]);
      const auto* ack = std::get_if<peg::peg_ack>(&entries[i]);
      const chain_id dest = msg ? msg->destination : ack->id.source;
      if (dest != to)
        continue;
      const auto id = msg ? msg->id : ack->id;
      if (final_height - h > peg::max_header_links) {
        note(fmt::format("{} in block {} of chain {}: more than {} headers below the final one; not carried",
                         id_text(id), h, from, peg::max_header_links), out);
        continue;
      }
      if (to != mainchain_id)
        if (auto st = update_client(to, final_height, out); !st) {
          note(fmt::format("light client update of chain {}: {}", to, st.error().detail), out);
          failed = true;
          break;
        }
      auto b = std::make_shared<peg::delivery_bundle>();
      b->entry = entries[i];
      b->inclusion = *box.prove(i);
      b->header = header;
      b->links.assign(headers.begin() + static_cast<std::ptrdiff_t>(h - first + 1), headers.end());
      b->certificate = *cert;
      std::shared_ptr<const peg::delivery_bundle> body = std::move(b);
      auto st = msg ? submit(to, peg_receive_tx{body}) : submit(to, peg_acknowledge_tx{body});
      const auto what = fmt::format("{} {}->{} {}", id_text(id), from, to, msg ? "message" : "acknowledgement");
      if (st || settled(st.error().code)) {
        out.carried.push_back(what);
        if (st && options_.log)
          options_.log->info("peg bridge: carried {} (block {}, final {})", what, h, final_height);
        continue;
      }
      failed = true;
      if (++dir.attempts >= options_.max_attempts) {
        note(fmt::format("gave up carrying {}: {}", what, st.error().detail), out);
        failed = false;  // skip this block from now on
        break;
      }
      out.problems.push_back(what + ": " + st.error().detail);  // retried next pass
    }
    if (failed)
      return;
    dir.scanned = h;
    dir.attempts = 0;
  }
}

const chain_handles* peg_bridge::handles(chain_id id) const {
  auto i = handles_.find(id);
  return i == handles_.end() || !i->second.chain || !i->second.mempool ? nullptr : &i->second;
}

bridge_report peg_bridge::poll_once() {
  bridge_report out;
  // The hosted chains from the node's directory (an actor: safe beside the watcher's thread,
  // which adds chains to the node).
  {
    caf::scoped_actor self{system_};
    std::optional<std::vector<chain_handles>> listed;
    self->request(directory_, query_timeout, chains_atom::value)
      .receive([&](std::vector<chain_handles>& v) { listed = std::move(v); }, [&](const caf::error&) {});
    if (!listed) {
      note("the node's directory did not answer", out);
      return out;
    }
    handles_.clear();
    for (auto& h : *listed)
      handles_.emplace(h.id, std::move(h));
  }
  if (!handles(mainchain_id) || !has_peg(mainchain_id))
    return out;
  for (const auto& [id, h] : handles_) {
    if (id == mainchain_id || (options_.sidechain && *options_.sidechain != id) || !has_peg(id))
      continue;
    carry(mainchain_id, id, out);
    carry(id, mainchain_id, out);
  }
  return out;
}

void peg_bridge::run(std::chrono::milliseconds interval) {
  loop_.start(interval, [this] { poll_once(); });
}

void peg_bridge::stop() {
  loop_.stop();
}

} // namespace bfd::runtime
