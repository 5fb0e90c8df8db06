#include "http/commands.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <iostream>

#include "cli/cli11.h"
#include "core/time.h"

namespace mops::http {
namespace {

core::Status Init(cli::Context& ctx) {
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(auto tokens, ListTokens(*db));
  for (const auto& t : tokens) {
    if (t.role == Role::kAdmin && !t.revoked_at) {
      std::cout << "workspace " << db->display_name()
                << " is already initialized; create more tokens with 'mops token create'\n";
      return {};
    }
  }
  MOPS_ASSIGN_OR_RETURN(std::string secret, CreateToken(*db, "admin", Role::kAdmin));
  std::cout << "initialized workspace " << db->display_name() << "\n"
            << "admin token: " << secret << "\n"
            << "(shown once: store it now)\n";
  return {};
}

std::string OptionalTime(const std::optional<int64_t>& t) {
  return t ? core::FormatTimestamp(*t) : std::string();
}

}  // namespace

void RegisterCommands(CLI::App& app, cli::Context& ctx, RouteInstaller install_routes) {
  auto* init = cli::AddVerb(app, "init", "Create a workspace and print its first admin token");
  init->callback([&ctx] { cli::RunVerb(ctx, [&] { return Init(ctx); }); });

  auto* token = cli::AddVerb(app, "token", "Manage API tokens");
  token->require_subcommand(1);
  {
    auto* create = cli::AddVerb(*token, "create", "Create a token and print its secret once");
    auto role = std::make_shared<std::string>("viewer");
    auto name = std::make_shared<std::string>();
    auto expires = std::make_shared<std::string>();
    cli::AddOption(*create, "--role", *role, "admin, ops, analyst, approver or viewer")
        ->check(cli::OneOf({"admin", "ops", "analyst", "approver", "viewer"}));
    cli::AddOption(*create, "--name", *name, "What the token is for")->required();
    cli::AddOption(*create, "--expires", *expires,
                   "Lifetime in whole days or hours (90d, 12h); default: never expires");
    create->callback([&ctx, role, name, expires] {
      cli::RunVerb(ctx, [&]() -> core::Status {
        MOPS_ASSIGN_OR_RETURN(Role r, ParseRole(*role));
        std::optional<int64_t> expires_at;
        if (!expires->empty()) {
          MOPS_ASSIGN_OR_RETURN(int64_t lifetime, ParseTokenLifetime(*expires));
          expires_at = int64_t{std::time(nullptr)} + lifetime;
        }
        MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
        MOPS_ASSIGN_OR_RETURN(std::string secret, CreateToken(*db, *name, r, expires_at));
        std::cout << secret << "\n";
        return {};
      });
    });

    auto* list = cli::AddVerb(*token, "list", "List tokens (never their secrets)");
    list->callback([&ctx] {
      cli::RunVerb(ctx, [&]() -> core::Status {
        MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
        MOPS_ASSIGN_OR_RETURN(auto tokens, ListTokens(*db));
        cli::Table table{
            {"id", "name", "role", "created_at", "expires_at", "last_used_at", "revoked_at"},
            {},
            {true, false, false, false, false, false, false}};
        for (const auto& t : tokens) {
          table.rows.push_back({std::to_string(t.id), t.name, std::string(RoleName(t.role)),
                                core::FormatTimestamp(t.created_at), OptionalTime(t.expires_at),
                                OptionalTime(t.last_used_at), OptionalTime(t.revoked_at)});
        }
        cli::PrintTable(table, ctx.format(), std::cout);
        return {};
      });
    });

    auto* revoke =
        cli::AddVerb(*token, "revoke",
                     "Revoke a token by id (see 'token list'), or by --name if one token has it");
    auto id = std::make_shared<std::string>();
    auto by_name = std::make_shared<std::string>();
    auto* id_option = cli::AddOption(*revoke, "ID", *id, "Token id");
    auto* name_option =
        cli::AddOption(*revoke, "--name", *by_name, "Revoke the one active token with this name");
    id_option->excludes(name_option);
    revoke->callback([&ctx, id, by_name, id_option, name_option] {
      cli::RunVerb(ctx, [&]() -> core::Status {
        if (id_option->count() == 0 && name_option->count() == 0) {
          return core::Fail(core::ErrorCode::kInvalidArgument,
                            "token revoke: give a token id, or --name NAME");
        }
        int64_t token_id = 0;
        if (id_option->count() > 0) {
          const std::string& text = *id;
          const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), token_id);
          if (ec != std::errc() || end != text.data() + text.size() || token_id <= 0) {
            return core::Fail(core::ErrorCode::kInvalidArgument,
                              "token revoke: ID '{}' is not a token id (a positive whole number; "
                              "use --name to revoke by name)",
                              text);
          }
        }
        MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
        if (name_option->count() > 0) {
          MOPS_ASSIGN_OR_RETURN(token_id, RevokeTokenByName(*db, *by_name));
        } else {
          MOPS_TRY(RevokeToken(*db, token_id));
        }
        std::cout << "revoked token " << token_id << "\n";
        return {};
      });
    });
  }

  auto* serve = cli::AddVerb(app, "serve", "Serve the REST API and the dashboard");
  auto options = std::make_shared<ServerOptions>();
  cli::AddOption(*serve, "--host", options->host, "Address to listen on");
  cli::AddOption(*serve, "--port", options->port, "Port to listen on")
      ->check(cli::InRange(1, 65535));
  cli::AddOption(*serve, "--threads", options->threads, "Worker threads")
      ->check(cli::InRange(1, 256));
  cli::AddFlag(*serve, "--trust-forwarded-proto", options->trust_forwarded_proto,
               "Behind a TLS proxy: mark the session cookie Secure when the proxy sends "
               "X-Forwarded-Proto: https");
  auto cache_mb = std::make_shared<int>(64);
  cli::AddOption(*serve, "--cache-mb", *cache_mb,
                 "Memory for cached GET responses, in MiB (0: no cache); a committed write "
                 "invalidates them")
      ->check(cli::InRange(0, 65536));
  serve->callback([&ctx, options, install_routes, cache_mb] {
    options->response_cache_bytes = static_cast<size_t>(*cache_mb) * 1024 * 1024;
    cli::RunVerb(ctx,
                 [&]() -> core::Status { return ServeWorkspace(ctx, *options, install_routes); });
  });
}

core::Status ServeWorkspace(cli::Context& ctx, ServerOptions options,
                            const RouteInstaller& install_routes) {
  {
    // Migrate once up front so the pool's connections find the schema.
    MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
    MOPS_ASSIGN_OR_RETURN(auto tokens, ListTokens(*db));
    const bool any_active =
        std::any_of(tokens.begin(), tokens.end(), [](const TokenInfo& t) { return !t.revoked_at; });
    if (!any_active) {
      // Everything but /healthz needs a token: say how to get one.
      std::cerr << "mops: this workspace has no active API token; run 'mops init' (or 'mops token "
                   "create') to sign in\n";
    }
  }
  options.workspace = ctx.workspace;
  if (!options.on_listening) {
    options.on_listening = [](const std::string& url, const std::function<void()>&) {
      std::cout << "serving " << url << std::endl;
    };
  }
  Router router;
  install_routes(router);
  return Serve(options, router);
}

}  // namespace mops::http
