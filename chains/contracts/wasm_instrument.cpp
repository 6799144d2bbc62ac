// Load-time policy (no floats, only the host API, one capped memory) and fuel metering.
#include "chains/contracts/wasm_instrument.hpp"

#include <fmt/format.h>

#include <wabt/cast.h>

namespace bfd::contracts::detail {
namespace {

using wabt::Type;

bool is_float(Type t) {
  return t == Type::F32 || t == Type::F64 || t == Type::V128;
}

wasm_error refuse(wasm_errc code, std::string detail) {
  return wasm_error{code, std::move(detail), 0};
}

bool signature_has_float(const wabt::FuncSignature& sig) {
  for (auto t : sig.param_types)
    if (is_float(t)) return true;
  for (auto t : sig.result_types)
    if (is_float(t)) return true;
  return false;
}

wabt::Opcode opcode_of(const wabt::Expr& e) {
  using wabt::ExprType;
  switch (e.type()) {
  case ExprType::Binary: return wabt::cast<wabt::BinaryExpr>(&e)->opcode;
  case ExprType::Compare: return wabt::cast<wabt::CompareExpr>(&e)->opcode;
  case ExprType::Convert: return wabt::cast<wabt::ConvertExpr>(&e)->opcode;
  case ExprType::Unary: return wabt::cast<wabt::UnaryExpr>(&e)->opcode;
  default: return wabt::cast<wabt::TernaryExpr>(&e)->opcode;
  }
}

/// The first float-typed expression in `list` (recursively), with its opcode name.
std::optional<std::string> find_float_expr(const wabt::ExprList& list) {
  using wabt::ExprType;
  for (const auto& e : list) {
    switch (e.type()) {
    case ExprType::Binary:
    case ExprType::Compare:
    case ExprType::Convert:
    case ExprType::Unary:
    case ExprType::Ternary: {
      wabt::Opcode op = opcode_of(e);
      if (is_float(op.GetResultType()) || is_float(op.GetParamType1()) || is_float(op.GetParamType2()) ||
          is_float(op.GetParamType3()))
        return std::string(op.GetName());
      break;
    }
    case ExprType::Load:
    case ExprType::Store: {
      wabt::Opcode op = e.type() == ExprType::Load ? wabt::cast<wabt::LoadExpr>(&e)->opcode
                                                   : wabt::cast<wabt::StoreExpr>(&e)->opcode;
      if (is_float(op.GetResultType()) || is_float(op.GetParamType2())) return std::string(op.GetName());
      break;
    }
    case ExprType::Const:
      if (is_float(wabt::cast<wabt::ConstExpr>(&e)->const_.type())) return std::string("float constant");
      break;
    case ExprType::Select:
      for (auto t : wabt::cast<wabt::SelectExpr>(&e)->result_type)
        if (is_float(t)) return std::string("select of a float");
      break;
    case ExprType::Block:
    case ExprType::Loop: {
      const auto& block = e.type() == ExprType::Block ? wabt::cast<wabt::BlockExpr>(&e)->block
                                                     : wabt::cast<wabt::LoopExpr>(&e)->block;
      if (signature_has_float(block.decl.sig)) return std::string("float block type");
      if (auto f = find_float_expr(block.exprs)) return f;
      break;
    }
    case ExprType::If: {
      const auto* x = wabt::cast<wabt::IfExpr>(&e);
      if (signature_has_float(x->true_.decl.sig)) return std::string("float block type");
      if (auto f = find_float_expr(x->true_.exprs)) return f;
      if (auto f = find_float_expr(x->false_)) return f;
      break;
    }
    default:
      break;
    }
  }
  return std::nullopt;
}

std::string type_list(const std::vector<Type>& types) {
  std::string out;
  for (auto t : types) {
    if (!out.empty()) out += ", ";
    out += t.GetName();
  }
  return "(" + out + ")";
}

} // namespace

std::optional<wasm_error> check_policy(wabt::Module& module, const wasm_limits& limits) {
  // Imports: functions of module "bfd" with exactly the host API's signatures, nothing else.
  for (const auto* imp : module.imports) {
    auto where = fmt::format("import \"{}\".\"{}\"", imp->module_name, imp->field_name);
    if (imp->kind() != wabt::ExternalKind::Func)
      return refuse(wasm_errc::import_refused, where + ": only host functions may be imported");
    if (imp->module_name != "bfd")
      return refuse(wasm_errc::import_refused, where + ": the only import module is \"bfd\"");
    const host_signature* host = nullptr;
    for (const auto& h : host_api())
      if (imp->field_name == h.name) host = &h;
    if (!host) return refuse(wasm_errc::import_refused, where + ": not part of the host API");
    const auto& sig = wabt::cast<wabt::FuncImport>(imp)->func.decl.sig;
    if (sig.param_types != host->params || sig.result_types != host->results)
      return refuse(wasm_errc::import_refused,
                    fmt::format("{}: signature {} -> {} does not match {} -> {}", where,
                                type_list(sig.param_types), type_list(sig.result_types),
                                type_list(host->params), type_list(host->results)));
  }

  // Floats: in any type, local, global or instruction.
  for (const auto* entry : module.types)
    if (auto* ft = wabt::dyn_cast<wabt::FuncType>(entry); ft && signature_has_float(ft->sig))
      return refuse(wasm_errc::float_refused, "a function type uses f32 or f64");
  for (const auto* g : module.globals)
    if (is_float(g->type)) return refuse(wasm_errc::float_refused, "a global has a float type");

  auto defined = module.funcs.size() - module.num_func_imports;
  if (defined > limits.max_functions)
    return refuse(wasm_errc::limit_exceeded,
                  fmt::format("{} functions, at most {}", defined, limits.max_functions));
  if (module.globals.size() > limits.max_globals)
    return refuse(wasm_errc::limit_exceeded,
                  fmt::format("{} globals, at most {}", module.globals.size(), limits.max_globals));
  for (std::size_t i = module.num_func_imports; i < module.funcs.size(); ++i) {
    const auto* f = module.funcs[i];
    if (signature_has_float(f->decl.sig))
      return refuse(wasm_errc::float_refused, fmt::format("function {} has a float signature", i));
    std::uint64_t locals = f->GetNumParams();
    for (const auto& decl : f->local_types.decls()) {
      if (is_float(decl.first))
        return refuse(wasm_errc::float_refused, fmt::format("function {} has a float local", i));
      locals += decl.second;
    }
    if (locals > limits.max_locals)
      return refuse(wasm_errc::limit_exceeded,
                    fmt::format("function {} has {} locals, at most {}", i, locals, limits.max_locals));
    if (auto op = find_float_expr(f->exprs))
      return refuse(wasm_errc::float_refused, fmt::format("function {} uses {}", i, *op));
  }

  // Memory: at most one, defined here, within the cap; a missing maximum becomes the cap.
  if (module.memories.size() > 1) return refuse(wasm_errc::memory_refused, "more than one memory");
  for (auto* mem : module.memories) {
    auto& lim = mem->page_limits;
    if (lim.is_shared || lim.is_64) return refuse(wasm_errc::memory_refused, "shared or 64-bit memory");
    if (lim.initial > limits.max_memory_pages || (lim.has_max && lim.max > limits.max_memory_pages))
      return refuse(wasm_errc::memory_refused,
                    fmt::format("memory declares {} initial / {} maximum pages, the cap is {}", lim.initial,
                                lim.has_max ? std::to_string(lim.max) : "no", limits.max_memory_pages));
    if (!lim.has_max) {
      lim.max = limits.max_memory_pages;
      lim.has_max = true;
    }
  }
  // Without reference types there is no table.grow: the initial size is the size for good.
  for (const auto* t : module.tables)
    if (t->elem_limits.initial > limits.max_table_elems)
      return refuse(wasm_errc::limit_exceeded, fmt::format("table of {} elements, at most {}",
                                                           t->elem_limits.initial, limits.max_table_elems));
  if (!module.starts.empty())
    return refuse(wasm_errc::start_refused, "start functions are not allowed: deploy runs no code");
  return std::nullopt;
}

namespace {

/// global.get F; i64.const cost; i64.sub; global.set F; global.get F; i64.const 0; i64.lt_s;
/// if unreachable end. Fuel below zero is the out-of-fuel mark the engine reads after a trap.
void insert_charge(wabt::ExprList& list, wabt::ExprList::iterator pos, wabt::Index fuel, std::uint64_t cost) {
  using namespace wabt;
  Location loc;
  list.insert(pos, std::make_unique<GlobalGetExpr>(Var(fuel, loc)));
  list.insert(pos, std::make_unique<ConstExpr>(Const::I64(cost)));
  list.insert(pos, std::make_unique<BinaryExpr>(Opcode::I64Sub));
  list.insert(pos, std::make_unique<GlobalSetExpr>(Var(fuel, loc)));
  list.insert(pos, std::make_unique<GlobalGetExpr>(Var(fuel, loc)));
  list.insert(pos, std::make_unique<ConstExpr>(Const::I64(0)));
  list.insert(pos, std::make_unique<CompareExpr>(Opcode::I64LtS));
  auto trap = std::make_unique<IfExpr>();
  trap->true_.exprs.push_back(std::make_unique<UnreachableExpr>());
  list.insert(pos, std::move(trap));
}

void meter(wabt::ExprList& list, wabt::Index fuel) {
  using wabt::ExprType;
  auto it = list.begin();
  while (it != list.end()) {
    // A segment runs to (and includes) the next structured instruction: code after a nested
    // block is reached by falling out of it or by a branch to its end, so it starts anew.
    auto start = it;
    std::uint64_t cost = 0;
    while (it != list.end()) {
      auto& e = *it;
      ++cost;
      ++it;
      if (e.type() == ExprType::Block) {
        meter(wabt::cast<wabt::BlockExpr>(&e)->block.exprs, fuel);
        break;
      }
      if (e.type() == ExprType::Loop) {
        meter(wabt::cast<wabt::LoopExpr>(&e)->block.exprs, fuel);  // charged on every iteration
        break;
      }
      if (e.type() == ExprType::If) {
        auto* x = wabt::cast<wabt::IfExpr>(&e);
        meter(x->true_.exprs, fuel);
        meter(x->false_, fuel);
        break;
      }
    }
    insert_charge(list, start, fuel, cost);
  }
}

} // namespace

wabt::Index instrument_fuel(wabt::Module& module) {
  using namespace wabt;
  Index fuel = static_cast<Index>(module.globals.size());
  auto field = std::make_unique<GlobalModuleField>();
  field->global.type = Type::I64;
  field->global.mutable_ = true;
  field->global.init_expr.push_back(std::make_unique<ConstExpr>(Const::I64(0)));
  module.AppendField(std::move(field));
  for (std::size_t i = module.num_func_imports; i < module.funcs.size(); ++i) meter(module.funcs[i]->exprs, fuel);
  return fuel;
}

} // namespace bfd::contracts::detail
