// Finality: GET /v1/certificate, the certificate that made the newest final block final, and
// GET /v1/clusters/{hash}, the cluster a certificate names, so a client can check finality itself
// from the node's answers (docs/http.md).
#include "actors/http/bridge_core.hpp"
#include "actors/http/json_view.hpp"

#include "protocols/json_chains.hpp"

namespace bfd::http {

namespace {

void get_certificate(bridge_core& core, const chain_view& c, const std::vector<std::string>&, httplib::Response& res) {
  caf::scoped_actor self{core.system};
  auto cert = core.ask<certificate_envelope>(self, &res, c.handles.chain, cert_atom::value);
  if (!cert)
    return;
  if (!*cert)
    return reply(res, 404, error_json(make_error(errc::not_found, "no block of this chain is final yet")));
  reply(res, 200, certificate_json(**cert));
}

/// The members in selection order, with their power: what cluster_hash commits to.
void get_cluster(bridge_core& core, const chain_view& c, const std::vector<std::string>& args, httplib::Response& res) {
  const auto& hash = args.at(0);
  if (hash.size() != 64)
    return reply(res, 400, error_json(make_error(errc::invalid_argument, "a cluster hash is 64 hex characters")));
  caf::scoped_actor self{core.system};
  auto v = core.ask<json_view_reply>(self, &res, c.handles.chain, cluster_atom::value, hash);
  if (v)
    reply_view(res, *v);
}

} // namespace

void register_finality_routes(bridge_core& core) {
  core.chain_get("/certificate", get_certificate);
  core.chain_get(R"(/clusters/([^/]+))", get_cluster);
}

} // namespace bfd::http
