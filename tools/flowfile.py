"""Reading flow files for the command checkers: every command of one shell, with its line."""

import sys


def flow_commands(path, shell):
    """Yield (line, command, placeholder kinds) for each `shell` command of a flow file."""
    import yaml  # imported late: check_az.py may start outside its venv and re-exec

    def get(node, key):
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value == key:
                    return v
        return None

    with open(path, encoding='utf-8') as f:
        try:
            root = yaml.compose(f, Loader=yaml.SafeLoader)
        except yaml.YAMLError as ex:
            sys.stderr.write('%s: invalid YAML: %s\n' % (path, ex))
            raise SystemExit(2) from ex
    kinds = {}
    placeholders = get(root, 'placeholders')
    if isinstance(placeholders, yaml.MappingNode):
        for name, decl in placeholders.value:
            kind = get(decl, 'kind')
            kinds[name.value] = kind.value if isinstance(kind, yaml.ScalarNode) else ''
    nodes = get(root, 'nodes')
    for _node_id, node in (nodes.value if isinstance(nodes, yaml.MappingNode) else []):
        for key in ('checks', 'commands'):
            items = get(node, key)
            for item in (items.value if isinstance(items, yaml.SequenceNode) else []):
                sh, cmd = get(item, 'shell'), get(item, 'command')
                if isinstance(sh, yaml.ScalarNode) and sh.value == shell and isinstance(cmd, yaml.ScalarNode):
                    line = cmd.start_mark.line + 1 + (1 if cmd.style in ('|', '>') else 0)
                    yield line, cmd.value, kinds
