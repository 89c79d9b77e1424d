"""{% fragment NAME KEY %}…{% endfragment %}: the enclosed HTML, cached under KEY (a report
version's stamp and whatever else that part of the page depends on; report_cache.fragment).
An empty KEY draws it every time: a form that was posted back shows what was typed."""

from __future__ import annotations

from django import template
from django.template.base import FilterExpression, Node, NodeList, Parser, Token

from .. import report_cache

register = template.Library()


class FragmentNode(Node):
    def __init__(self, name: str, key: FilterExpression, nodelist: NodeList):
        self.name, self.key, self.nodelist = name, key, nodelist

    def render(self, context) -> str:
        key = self.key.resolve(context)
        if not key:
            return self.nodelist.render(context)
        return report_cache.fragment(self.name, str(key), lambda: self.nodelist.render(context))


@register.tag
def fragment(parser: Parser, token: Token) -> FragmentNode:
    bits = token.split_contents()
    if len(bits) != 3:
        raise template.TemplateSyntaxError("用法：{% fragment NAME KEY %}…{% endfragment %}")
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(bits[1], parser.compile_filter(bits[2]), nodelist)
