// The interpreter side of the contract engine (C++17: see wasm_interp.hpp).
#include "chains/contracts/wasm_interp.hpp"

#include <wabt/binary-reader.h>
#include <wabt/interp/binary-reader-interp.h>
#include <wabt/interp/interp.h>

namespace bfd::contracts::detail {

namespace wi = wabt::interp;
using wabt::Type;

/// The MVP plus sign extension, mutable globals and multi-value. SIMD, bulk memory (unmetered
/// memory.fill/copy), reference types, threads and float-to-int conversions are off.
wabt::Features contract_features() {
  wabt::Features f;
  f.disable_simd();
  f.disable_bulk_memory();
  f.disable_reference_types();
  f.disable_sat_float_to_int();
  f.disable_threads();
  f.disable_exceptions();
  f.disable_tail_call();
  f.disable_multi_memory();
  f.disable_memory64();
  f.enable_sign_extension();
  f.enable_mutable_globals();
  f.enable_multi_value();
  return f;
}

const std::vector<host_signature>& host_api() {
  static const std::vector<host_signature> api = {
    {"input", {Type::I32, Type::I32}, {Type::I32}},
    {"state_get", {Type::I32, Type::I32, Type::I32, Type::I32}, {Type::I32}},
    {"state_put", {Type::I32, Type::I32, Type::I32, Type::I32}, {}},
    {"state_del", {Type::I32, Type::I32}, {}},
    {"caller", {Type::I32}, {}},
    {"height", {}, {Type::I64}},
    {"transfer", {Type::I32, Type::I64}, {}},
    {"emit_event", {Type::I32, Type::I32}, {}},
    {"slot_call", {Type::I32, Type::I32, Type::I32, Type::I32, Type::I32, Type::I32}, {Type::I32}},
    {"output", {Type::I32, Type::I32}, {}},
  };
  return api;
}

struct interp_program {
  wi::ModuleDesc desc;
  std::vector<std::size_t> import_hosts;  ///< per import: index into host_api()
  std::uint32_t fuel_global = 0;
};

std::shared_ptr<const interp_program> interp_read(const std::uint8_t* data, std::size_t size,
                                                  std::vector<std::size_t> import_hosts, std::uint32_t fuel_global,
                                                  std::string& error) {
  auto program = std::make_shared<interp_program>();
  program->import_hosts = std::move(import_hosts);
  program->fuel_global = fuel_global;
  wabt::Errors errors;
  wabt::ReadBinaryOptions opts(contract_features(), nullptr, false, true, false);
  if (wabt::Failed(wi::ReadBinaryInterp("contract", data, size, opts, &errors, &program->desc))) {
    error = errors.empty() ? "interpreter refused the module" : errors.front().message;
    return nullptr;
  }
  return program;
}

std::vector<std::string> interp_exports(const interp_program& program) {
  std::vector<std::string> names;
  for (const auto& e : program.desc.exports)
    if (e.type.type->kind == wabt::ExternalKind::Func) names.push_back(e.type.name);
  return names;
}

namespace {

std::uint64_t bits_of(const wi::Value& v, Type t) {
  return t == Type::I32 ? std::uint64_t{v.Get<wi::u32>()} : v.Get<wi::u64>();
}

wi::Value value_of(std::uint64_t bits, Type t) {
  return t == Type::I32 ? wi::Value::Make(static_cast<wi::u32>(bits)) : wi::Value::Make(bits);
}

std::int64_t fuel_of(const wi::Global& g) {
  std::uint64_t bits = 0;
  g.Get(&bits);
  return static_cast<std::int64_t>(bits);
}

} // namespace

interp_outcome interp_call(const interp_program& program, std::string_view name,
                           const std::vector<std::uint64_t>& args, const std::vector<bool>& arg_is_i64,
                           std::int64_t fuel, interp_host& host) {
  interp_outcome out;
  using status = interp_outcome::status;
  wi::Store store(contract_features());
  auto module = wi::Module::New(store, program.desc);

  // Host functions reach the instance's memory and fuel global through these, set once it exists.
  wi::Memory* memory = nullptr;
  wi::Global* fuel_global = nullptr;
  wi::RefVec imports;
  for (auto h : program.import_hosts) {
    const auto& sig = host_api()[h];
    wi::FuncType type(wi::ValueTypes(sig.params.begin(), sig.params.end()),
                      wi::ValueTypes(sig.results.begin(), sig.results.end()));
    auto func = wi::HostFunc::New(
      store, type,
      [&, h](wi::Thread& thread, const wi::Values& params, wi::Values& results, wi::Trap::Ptr* trap) {
        const auto& s = host_api()[h];
        std::vector<std::uint64_t> in(params.size()), res(results.size());
        for (std::size_t i = 0; i < params.size(); ++i) in[i] = bits_of(params[i], s.params[i]);
        std::int64_t left = fuel_of(*fuel_global);
        std::string why;
        bool ok = host.call(h, in, res, memory ? memory->UnsafeData() : nullptr, memory ? memory->ByteSize() : 0,
                            left, why);
        fuel_global->Set(static_cast<std::uint64_t>(left));
        if (!ok) {
          *trap = wi::Trap::New(thread.store(), "host " + std::string(s.name) + ": " + why);
          return wabt::Result::Error;
        }
        for (std::size_t i = 0; i < results.size(); ++i) results[i] = value_of(res[i], s.results[i]);
        return wabt::Result::Ok;
      });
    imports.push_back(func.ref());
  }

  wi::Trap::Ptr trap;
  auto instance = wi::Instance::Instantiate(store, module.ref(), imports, &trap);
  if (!instance) {
    out.result = status::trapped;
    out.message = trap ? trap->message() : "instantiation failed";
    out.fuel_left = fuel;
    return out;
  }
  wi::Memory::Ptr mem;
  if (!instance->memories().empty()) {
    mem = wi::Memory::Ptr(store, instance->memories()[0]);
    memory = mem.get();
  }
  wi::Global::Ptr fuel_ptr(store, instance->globals()[program.fuel_global]);
  fuel_global = fuel_ptr.get();
  fuel_global->Set(static_cast<std::uint64_t>(fuel));
  out.fuel_left = fuel;

  const auto& exports = program.desc.exports;
  std::size_t idx = exports.size();
  for (std::size_t i = 0; i < exports.size(); ++i)
    if (exports[i].type.name == name && exports[i].type.type->kind == wabt::ExternalKind::Func) idx = i;
  if (idx == exports.size()) {
    out.result = status::no_such_export;
    out.message = "no exported function \"" + std::string(name) + "\"";
    return out;
  }
  wi::Func::Ptr func(store, instance->exports()[idx]);
  const auto& type = func->type();
  if (type.params.size() != args.size()) {
    out.result = status::bad_arguments;
    out.message = "\"" + std::string(name) + "\" takes " + std::to_string(type.params.size()) + " arguments, " +
                  std::to_string(args.size()) + " given";
    return out;
  }
  wi::Values params;
  for (std::size_t i = 0; i < args.size(); ++i) {
    bool i64 = type.params[i] == Type::I64;
    if (i64 != arg_is_i64[i]) {
      out.result = status::bad_arguments;
      out.message = "argument " + std::to_string(i) + " of \"" + std::string(name) + "\" must be " +
                    (i64 ? "i64" : "i32");
      return out;
    }
    params.push_back(value_of(args[i], type.params[i]));
  }

  wi::Thread thread(store);
  wi::Values results;
  auto ran = func->Call(thread, params, results, &trap);
  out.fuel_left = fuel_of(*fuel_global);
  if (wabt::Failed(ran)) {
    out.result = status::trapped;
    out.message = trap ? trap->message() : "trap";
    return out;
  }
  for (std::size_t i = 0; i < results.size(); ++i) {
    out.results.push_back(bits_of(results[i], type.results[i]));
    out.result_is_i64.push_back(type.results[i] == Type::I64);
  }
  return out;
}

} // namespace bfd::contracts::detail
