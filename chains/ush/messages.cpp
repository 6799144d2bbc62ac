#include "chains/ush/messages.hpp"

#include <algorithm>
#include <string>


namespace bfd::ush {

namespace {

/// Writes fixed fields one after the other.
template <class... Fields>
bytes concat(std::size_t size, const Fields&... fields) {
  bytes out;
  out.reserve(size);
  out.push_back(encoding_version);
  (out.insert(out.end(), fields.begin(), fields.end()), ...);
  return out;
}

/// Reads fixed fields one after the other from a buffer whose length was checked.
class field_reader {
public:
  explicit field_reader(byte_view in) : p_(in.data() + 1) {}
  template <std::size_t N>
  void read(fixed_bytes<N>& out) {
    std::copy_n(p_, N, out.begin());
    p_ += N;
  }

private:
  const byte* p_;
};

template <class Message>
result<Message> check_points(Message m, std::string_view what) {
  if (!is_point(m.w) || !is_point(m.ephemeral))
    return make_error(errc::malformed, std::string(what) + ": W or the ephemeral key is not a point of secp256k1");
  return m;
}

} // namespace

error layout_error(byte_view in, std::size_t size, std::string_view what) {
  const std::string name(what);
  if (in.empty())
    return make_error(errc::malformed, name + ": empty");
  if (in[0] != encoding_version)
    return make_error(errc::unsupported_version, name + ": version " + std::to_string(in[0]));
  if (in.size() < size)
    return make_error(errc::malformed,
                      name + ": " + std::to_string(in.size()) + " bytes, " + std::to_string(size) + " expected");
  return make_error(errc::trailing_bytes,
                    name + ": " + std::to_string(in.size() - size) + " bytes after the " + std::to_string(size));
}

bytes encode(const hello& m) {
  return concat(hello_size, m.pseudonym, m.w, m.ephemeral, m.nonce);
}

bytes encode(const reply& m) {
  return concat(reply_size, m.pseudonym, m.w, m.ephemeral, m.nonce, m.confirm);
}

bytes encode(const finish& m) {
  return concat(finish_size, m.confirm);
}

result<hello> decode_hello(byte_view in) {
  if (!has_layout(in, hello_size))
    return layout_error(in, hello_size, "handshake hello");
  hello m;
  field_reader r(in);
  r.read(m.pseudonym);
  r.read(m.w);
  r.read(m.ephemeral);
  r.read(m.nonce);
  return check_points(m, "handshake hello");
}

result<reply> decode_reply(byte_view in) {
  if (!has_layout(in, reply_size))
    return layout_error(in, reply_size, "handshake reply");
  reply m;
  field_reader r(in);
  r.read(m.pseudonym);
  r.read(m.w);
  r.read(m.ephemeral);
  r.read(m.nonce);
  r.read(m.confirm);
  return check_points(m, "handshake reply");
}

result<finish> decode_finish(byte_view in) {
  if (!has_layout(in, finish_size))
    return layout_error(in, finish_size, "handshake finish");
  finish m;
  field_reader r(in);
  r.read(m.confirm);
  return m;
}

} // namespace bfd::ush
