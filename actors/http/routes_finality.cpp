// Finality: GET /v1/certificate, the certificate that made the newest final block final, so a
// client holding the cluster can check finality itself.
#include "actors/http/bridge_core.hpp"

#include "protocols/json_chains.hpp"

namespace bfd::http {

namespace {

void get_certificate(bridge_core& core, const chain_view& c, const std::vector<std::string>&, http::response& res) {
  caf::scoped_actor self{core.system};
  auto cert = core.ask<certificate_envelope>(self, &res, c.handles.chain, cert_atom::value);
  if (!cert)
    return;
  if (!*cert)
    return reply(res, 404, error_json(make_error(errc::not_found, "no block of this chain is final yet")));
  reply(res, 200, certificate_json(**cert));
}

} // namespace

void register_finality_routes(bridge_core& core) {
  core.chain_get("/certificate", get_certificate);
}

} // namespace bfd::http
