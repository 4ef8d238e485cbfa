"""The plan's URL rules, added to the household's and the staff's blueprints alike (each view run again when the
database was only busy)."""

from flask import Blueprint

from guide.features.plan import items, pages
from guide.features.plan.views import _retrying


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("", "board", _retrying(pages.board), methods=["GET"])
    bp.add_url_rule("/profile", "profile", _retrying(pages.profile), methods=["GET"])
    bp.add_url_rule("/visits", "visits", _retrying(pages.visits), methods=["GET"])
    bp.add_url_rule("/add/<kind>", "add", _retrying(items.add), methods=["POST"])
    bp.add_url_rule("/edit/<kind>", "edit_single", _retrying(items.edit_single), methods=["GET", "POST"])
    bp.add_url_rule("/items/<int:item_id>", "edit_item", _retrying(items.edit_item), methods=["GET", "POST"])
    bp.add_url_rule("/items/<int:item_id>/remove", "remove_item", _retrying(items.remove_item), methods=["POST"])
    bp.add_url_rule("/items/<int:item_id>/history", "item_history", _retrying(items.item_history), methods=["GET"])
    bp.add_url_rule("/items/<int:item_id>/restore", "restore", _retrying(items.restore), methods=["POST"])
    bp.add_url_rule("/items/<int:item_id>/move", "move_item", _retrying(items.move_item), methods=["POST"])
    bp.add_url_rule("/suggestions/<key>", "accept_suggestion", _retrying(items.accept_suggestion), methods=["POST"])
    bp.add_url_rule("/updates", "updates", _retrying(pages.updates), methods=["GET"])
    bp.add_url_rule("/project", "project", _retrying(pages.project), methods=["GET"])
    bp.add_url_rule("/project/share/<choice>", "share", _retrying(pages.share), methods=["POST"])
