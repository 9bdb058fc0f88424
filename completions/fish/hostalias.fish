# SPDX-License-Identifier: MIT
# fish completion for hostalias(1)

function __hostalias_needs_target
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l skip 0
    for t in $tokens
        if test $skip = 1
            set skip 0
            continue
        end
        switch $t
            case --pid --netns
                return 1
            case -o --output -f --format -p --provider -s --server -c --concurrency -t --timeout --tries --deadline --suffix -H --docker-host -P --project --interval --user
                set skip 1
            case '-*'
            case '*'
                return 1
        end
    end
    return 0
end

# The engine the command line names with -H, if any, for the lists below.
function __hostalias_engine
    set -l tokens (commandline -opc)
    for i in (seq 2 (count $tokens))
        switch $tokens[$i]
            case -H --docker-host
                set -l j (math $i + 1)
                test $j -le (count $tokens); and echo --docker-host; and echo $tokens[$j]
            case '--docker-host=*'
                echo --docker-host
                string replace -- --docker-host= '' $tokens[$i]
        end
    end
end

complete -c hostalias -f
complete -c hostalias -n __hostalias_needs_target -a '(hostalias (__hostalias_engine) --list-targets 2>/dev/null)' -d 'running container or Compose service'
complete -c hostalias -s 4 -d 'IPv4 addresses (the default)'
complete -c hostalias -s 6 -d 'IPv6 addresses; with -4, either'
complete -c hostalias -s H -l docker-host -x -d 'Engine API socket (unix:///path)'
complete -c hostalias -s P -l project -x -a '(hostalias (__hostalias_engine) --list-projects 2>/dev/null)' -d 'Compose project of a service target'
complete -c hostalias -s a -l all -d "also every name on the target's networks"
complete -c hostalias -l pid -x -a '(__fish_complete_pids)' -d "use this process's network namespace"
complete -c hostalias -l netns -r -F -d 'use this network namespace file'
complete -c hostalias -s s -l server -x -d 'ask this DNS server instead'
complete -c hostalias -s c -l concurrency -x -d 'queries in flight at most'
complete -c hostalias -s t -l timeout -x -d "first try's timeout (seconds)"
complete -c hostalias -l tries -x -d 'tries per query'
complete -c hostalias -l deadline -x -d 'the whole pass ends by then (seconds)'
complete -c hostalias -s o -l output -r -F -d 'replace FILE atomically'
complete -c hostalias -l watch -d "keep the -o FILE up to date, following the engine's events"
complete -c hostalias -l interval -x -d 'with --watch, a full pass this often (seconds)'
complete -c hostalias -l user -x -a '(__fish_complete_users)' -d 'with -- COMMAND, run it as this user'
complete -c hostalias -s f -l format -x -a 'alias hosts json' -d 'output format'
complete -c hostalias -s p -l provider -x -a 'traefik.me sslip.io nip.io xip.io' -d 'wildcard DNS provider'
complete -c hostalias -l suffix -x -d 'self-hosted wildcard DNS domain'
complete -c hostalias -l dashed -d '172-27-0-2.PROVIDER form'
complete -c hostalias -l bridge-names -d 'NAME.PROJECT.DOMAIN targets, as --serve answers them'
complete -c hostalias -l check -f -a 'host netns both' -d 'resolve each target as the program will'
complete -c hostalias -l list-targets -d "print the running containers' names and Compose services"
complete -c hostalias -l list-projects -d 'print the Compose projects and Swarm stacks'
complete -c hostalias -l serve -d "answer DNS queries for the containers' names (the DNS bridge)"
complete -c hostalias -l listen -x -d 'with --serve, UDP and TCP on this address'
complete -c hostalias -l domain -x -d 'with --serve, the domain answered; with --bridge-names, the bridge\'s'
complete -c hostalias -l resolved -d 'with --serve, have systemd-resolved send the domain to the bridge'
complete -c hostalias -s q -l quiet -d 'no warnings, no stale-line notices'
complete -c hostalias -s v -l verbose -d 'details and a summary'
complete -c hostalias -s h -l help -d 'show help'
complete -c hostalias -s V -l version -d 'show the version'
