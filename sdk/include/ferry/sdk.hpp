// ferry plugin SDK — the header-only C++ layer over <ferry/abi.h>. Include this one header.
// docs/sdk.md is the guide; <ferry/sdk/plugin.hpp> has the short example.
#pragma once

#include <ferry/abi.h>
#include <ferry/sdk/batch.hpp>
#include <ferry/sdk/catalog.hpp>
#include <ferry/sdk/clients.hpp>
#include <ferry/sdk/error.hpp>
#include <ferry/sdk/host.hpp>
#include <ferry/sdk/host_services.hpp>
#include <ferry/sdk/plugin.hpp>
#include <ferry/sdk/stream.hpp>
#include <ferry/sdk/values.hpp>
