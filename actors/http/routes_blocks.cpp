// GET /v1/blocks/{id}: a block by decimal height or by header hash.
#include "actors/http/bridge_core.hpp"

#include "chains/core/hex.hpp"

namespace bfd::http {

namespace {

void get_block(bridge_core& core, const chain_view& c, const std::vector<std::string>& args, http::response& res) {
  const auto& id = args.at(0);
  caf::scoped_actor self{core.system};
  std::optional<block_envelope> b;
  std::string which;
  if (id.size() == 2 * hash256::size()) {
    auto hash = fixed_from_hex<32>(id);
    if (!hash)
      return reply(res, 400, error_json(make_error(errc::bad_hex, "a block hash is 64 hex characters")));
    b = core.ask<block_envelope>(self, &res, c.handles.chain, block_atom::value, *hash);
    which = "with hash " + id;
  } else {
    auto height = parse_height(id);
    if (!height)
      return reply(res, 400, error_json(make_error(errc::invalid_argument,
                                                   "expected a block height (decimal, at most 2^64-1) or a block "
                                                   "hash (64 hex characters)")));
    b = core.ask<block_envelope>(self, &res, c.handles.chain, height_atom::value, *height);
    which = "at height " + id;
  }
  if (!b)
    return;
  if (!*b)
    return reply(res, 404, error_json(make_error(errc::not_found, "no block " + which + " on this node's chain")));
  reply(res, 200, block_json(**b));
}

} // namespace

void register_block_routes(bridge_core& core) {
  core.chain_get(R"(/blocks/([^/]+))", get_block);
}

} // namespace bfd::http
