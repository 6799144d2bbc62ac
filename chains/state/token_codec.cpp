#include "chains/state/token_codec.hpp"

namespace bfd::codec {

void encode_payload(const transfer_payload& p, writer& w) {
  w.array(2);
  w.bin(p.to);
  w.uint(p.value);
}

result<transfer_payload> read_payload(const msgpack::object& obj, std::type_identity<transfer_payload>) {
  auto items = reader(obj, "transfer payload").array(2);
  if (!items)
    return items.error();
  auto to = reader((*items)[0], "transfer.to").fixed<20>();
  if (!to)
    return to.error();
  auto value = reader((*items)[1], "transfer.amount").uint();
  if (!value)
    return value.error();
  return transfer_payload{*to, *value};
}

} // namespace bfd::codec
