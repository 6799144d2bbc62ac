// GET /v1/chains/{chain}/anchor/{height}: the proof that a sidechain block is anchored on the
// mainchain (docs/sidechains.md, "Checking that a sidechain block is anchored"). The mainchain
// part comes from the configured chain (the mainchain) in one request, the sidechain headers from
// the sidechain's own chain actor in one more; the route verifies the proof before answering.
#include "actors/http/bridge_core.hpp"

#include "chains/core/hex.hpp"
#include "chains/sidechain/anchoring_proof.hpp"
#include "chains/sidechain/registry_payloads.hpp"

namespace bfd::http {

namespace {

/// A header as the proof carries it: canonical hex plus what a reader wants without decoding.
json_object header_entry(const bytes& canonical, const block_header& h) {
  json_object j;
  j["height"] = h.height;
  j["hash"] = to_hex(header_hash(h));
  j["hex"] = to_hex(canonical);
  return j;
}

/// Decodes canonical headers from a chain actor (the node's own, so a failure is a bug).
std::optional<std::vector<block_header>> decode_headers(const std::vector<bytes>& in) {
  std::vector<block_header> out;
  out.reserve(in.size());
  for (const auto& b : in) {
    auto h = codec::decode_block_header(b);
    if (!h)
      return std::nullopt;
    out.push_back(std::move(*h));
  }
  return out;
}

void internal(http::response& res, const std::string& what) {
  reply(res, 500, error_json(edge_reason::internal, what));
}

void get_anchor(bridge_core& core, const std::string& id_text, const std::string& height_text,
                http::response& res) {
  const auto id = parse_chain_id(id_text);
  if (!id)
    return reply(res, 400, error_json(make_error(errc::invalid_argument, "expected a chain id (decimal, at most "
                                                                         "2^32-1)")));
  const auto height = parse_height(height_text);
  if (!height)
    return reply(res, 400, error_json(make_error(errc::invalid_argument,
                                                 "expected a block height (decimal, at most 2^64-1)")));
  caf::scoped_actor self{core.system};
  auto ev = core.ask<anchor_evidence>(self, &res, core.config.chain, anchor_atom::value, *id, *height);
  if (!ev)
    return;
  if (ev->code != 0) {
    const auto code = static_cast<errc>(ev->code);
    return reply(res, code == errc::not_found ? 404 : 500, error_json(make_error(code, ev->detail)));
  }
  const auto* anchor_tx = ev->tx ? std::get_if<sidechain_anchor_tx>(&ev->tx->payload) : nullptr;
  auto mainchain_block = codec::decode_block_header(ev->mainchain_block);
  auto mainchain_links = decode_headers(ev->mainchain_links);
  if (!anchor_tx || !anchor_tx->body || !mainchain_block || !mainchain_links)
    return internal(res, "the mainchain's anchoring evidence does not decode");

  anchoring_proof proof;
  proof.anchored = anchor_tx->body->header;
  proof.inclusion = merkle_proof{ev->index, ev->leaf_count, ev->siblings};
  proof.mainchain_block = *mainchain_block;
  proof.mainchain_links = *mainchain_links;
  // The sidechain headers below the anchored one come from the sidechain's own actor.
  std::vector<bytes> side_bytes;
  if (*height < proof.anchored.height) {
    auto side = core.resolve(res, &id_text);
    if (!side)
      return;
    auto range = core.ask<header_range>(self, &res, side->handles.chain, headers_atom::value, *height,
                                        proof.anchored.height - 1);
    if (!range)
      return;
    auto headers = decode_headers(range->headers);
    if (!headers)
      return internal(res, "the sidechain's headers do not decode");
    auto links = sidechain_links(*headers, *height, proof.anchored);
    if (!links)
      return reply(res, 404, error_json(make_error(errc::not_found,
                                                   "sidechain " + id_text + " headers " + height_text + " to "
                                                     + std::to_string(proof.anchored.height - 1)
                                                     + " are not all on this node, or do not lead to the "
                                                       "anchored header")));
    proof.sidechain_links = std::move(*links);
    side_bytes = std::move(range->headers);
  }
  const block_header& trusted = proof.mainchain_links.empty() ? proof.mainchain_block : proof.mainchain_links.back();
  const anchor_binding binding{entry_hash(*ev->tx), header_hash(proof.anchored)};
  // Self-check: a proof that does not verify is a bug here, never served.
  const auto proven = verify_anchoring(proof, trusted, binding);
  if (!proven)
    return internal(res, "the anchoring proof built here does not verify: " + proven.error().detail);
  if (proven->chain != *id || proven->height != *height)
    return internal(res, "the anchoring proof built here proves another block");

  json_object j;
  j["chain"] = *id;
  j["height"] = *height;
  j["hash"] = to_hex(proven->hash);
  auto side_list = json_object::array();
  for (std::size_t i = 0; i < proof.sidechain_links.size(); ++i)
    side_list.push_back(header_entry(side_bytes[i], proof.sidechain_links[i]));
  j["sidechain_links"] = std::move(side_list);
  j["anchored"] = header_entry(codec::encode(proof.anchored), proof.anchored);
  json_object tx;
  tx["hex"] = transaction_hex(*ev->tx);
  tx["entry"] = to_hex(binding.entry);
  tx["anchored_header"] = to_hex(binding.anchored_header);
  j["anchor_tx"] = std::move(tx);
  json_object inclusion;
  inclusion["index"] = proof.inclusion.index;
  inclusion["leaf_count"] = proof.inclusion.leaf_count;
  auto siblings = json_object::array();
  for (const auto& s : proof.inclusion.siblings)
    siblings.push_back(to_hex(s));
  inclusion["siblings"] = std::move(siblings);
  j["inclusion"] = std::move(inclusion);
  j["mainchain_block"] = header_entry(ev->mainchain_block, proof.mainchain_block);
  auto main_list = json_object::array();
  for (std::size_t i = 0; i < proof.mainchain_links.size(); ++i)
    main_list.push_back(header_entry(ev->mainchain_links[i], proof.mainchain_links[i]));
  j["mainchain_links"] = std::move(main_list);
  json_object ends;
  ends["height"] = trusted.height;
  ends["hash"] = to_hex(header_hash(trusted));
  j["ends_at"] = std::move(ends);
  j["mainchain_final_height"] = ev->final_height;
  j["verified"] = true;
  reply(res, 200, j);
}

} // namespace

void register_anchor_routes(bridge_core& core) {
  core.get(R"(/v1/chains/([^/]+)/anchor/([^/]+))", [&core](const http::request& req, http::response& res) {
    get_anchor(core, req.matches[1], req.matches[2], res);
  });
}

} // namespace bfd::http
