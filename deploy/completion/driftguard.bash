# SPDX-License-Identifier: GPL-2.0-only
# bash completion for driftguard.
#
# The commands and each command's options are read from the binary itself
# (`driftguard --help`, `driftguard COMMAND --help`, argp's tables), so this
# file cannot fall behind the options in cli/*.c:
#   driftguard <TAB>                  learn hook dump check merge enforce reload stop probe
#   driftguard enforce --<TAB>        its options
#   driftguard enforce --backend <TAB>  auto lsm signal (argp's "=auto|lsm|signal")
#   --rules, --output, ... (FILE, OUT)  file names; --runtime-root (DIR) directories
#   driftguard learn -o p.json -- <TAB> a command line
# Works with or without the bash-completion package.

# The command names, from the "Commands:" list of `driftguard --help`.
_driftguard_commands()
{
	"$1" --help 2>/dev/null | sed -nE '/^Commands:/,/^$/s/^  ([a-z][a-z-]*) .*/\1/p'
}

# One line per option of command $2: "SHORT LONG ARG" ("-" for none), from
# argp's help: "  -r, --rules=FILE   ..." or "      --backend=auto|lsm|signal  ...".
_driftguard_options()
{
	"$1" "$2" --help 2>/dev/null |
		sed -nE 's/^(  (-[^ ,]), |      )(--[[:alnum:]-]+)(\[?=([^] ]+)\]?)?( .*)?$/\2 \3 \5/p' |
		while read -r short long arg; do
			# read collapses the empty SHORT: a line "--x ARG" has no short option.
			if [ -z "$arg" ] && [ "${short#--}" != "$short" ]; then
				arg=$long
				long=$short
				short=-
			fi
			echo "${short:--} $long ${arg:--}"
		done
}

# Fill COMPREPLY with what argument ARG ($1, as argp names it) takes.
_driftguard_argument()
{
	local arg=$1 cur=$2

	case $arg in
	*'|'*)
		COMPREPLY=($(compgen -W "${arg//|/ }" -- "$cur"))
		;;
	DIR)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -d -- "$cur"))
		;;
	FILE | OUT)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
		;;
	*) # a number, an id, seconds: nothing to offer
		COMPREPLY=()
		;;
	esac
}

_driftguard()
{
	local dg=${COMP_WORDS[0]} cur=${COMP_WORDS[COMP_CWORD]}
	local prev=${COMP_WORDS[COMP_CWORD - 1]} cmd="" opt="" i w
	local short long arg

	COMPREPLY=()
	# The command is the first word that is not an option; after `--`, learn
	# runs a command line of its own.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [ -z "$cmd" ]; then
			[ "${w#-}" = "$w" ] && cmd=$w
			continue
		fi
		if [ "$w" = "--" ]; then
			if declare -F _command_offset >/dev/null; then
				_command_offset $((i + 1))
			elif [ $((i + 1)) -eq "$COMP_CWORD" ]; then
				COMPREPLY=($(compgen -c -- "$cur" | sort -u))
			else
				compopt -o filenames 2>/dev/null
				COMPREPLY=($(compgen -f -- "$cur"))
			fi
			return 0
		fi
	done
	if [ -z "$cmd" ]; then
		COMPREPLY=($(compgen -W "$(_driftguard_commands "$dg") --help --version" -- "$cur"))
		return 0
	fi

	# The option whose argument is being completed: "--rules X", "-r X", or
	# "--rules=X" (bash splits at '=': "--rules" "=" "X").
	if [ "$cur" = "=" ]; then
		opt=$prev
		cur=""
	elif [ "$prev" = "=" ] && [ "$COMP_CWORD" -ge 2 ]; then
		opt=${COMP_WORDS[COMP_CWORD - 2]}
	elif [ "${prev#-}" != "$prev" ]; then
		opt=$prev
	fi
	if [ -n "$opt" ]; then
		while read -r short long arg; do
			if [ "$opt" = "$long" ] || [ "$opt" = "$short" ]; then
				if [ "$arg" != "-" ]; then
					_driftguard_argument "$arg" "$cur"
					return 0
				fi
				break
			fi
		done < <(_driftguard_options "$dg" "$cmd")
	fi

	if [ "${cur#-}" != "$cur" ]; then
		COMPREPLY=($(compgen -W "$(_driftguard_options "$dg" "$cmd" | cut -d' ' -f2)" \
			-- "$cur"))
		return 0
	fi
	# Operands: profiles for check and merge; the others take none that a
	# file name would fit (dump takes a container name or id).
	case $cmd in
	check | merge)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
		;;
	esac
	return 0
}

complete -F _driftguard driftguard
