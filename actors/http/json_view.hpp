// Answering with a chain actor's json_view_reply (DS metadata, the service registry): its body as
// 200, or its reason as 404 (not_found, unknown_service), 403 (access_denied) or 400. Internal to actors/http.
#pragma once

#include "actors/http/bridge_core.hpp"

namespace bfd::http {

/// Replies `v`: 200 with its JSON body, else its code and detail as an error.
inline void reply_view(http::response& res, const json_view_reply& v) {
  if (v.code == 0)
    return reply(res, 200, json_object::parse(v.body));
  const auto code = static_cast<errc>(v.code);
  const int status = code == errc::not_found || code == errc::unknown_service ? 404
                     : code == errc::access_denied                             ? 403
                                                                               : 400;
  reply(res, status, error_json(make_error(code, v.detail)));
}

} // namespace bfd::http
