# One warning policy for every target of the tree; -Werror when FERRY_WERROR is on (CI).
function(ferry_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Woverloaded-virtual
                                           -Wimplicit-fallthrough -Wformat=2)
  if(FERRY_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
