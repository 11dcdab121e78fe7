# One warning policy for every target of the tree; -Werror when FERRY_WERROR is on (CI).
function(ferry_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                                           -Wimplicit-fallthrough -Wformat=2
                                           $<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor>
                                           $<$<COMPILE_LANGUAGE:CXX>:-Woverloaded-virtual>)
  if(FERRY_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
