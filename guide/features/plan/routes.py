"""The plan's URL rules, added to the household's and the staff's blueprints alike (each request one unit of work,
run again when the database was only busy: guide/core/transaction.py)."""

from flask import Blueprint

from guide.features.plan import items, pages


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("", "board", pages.board, methods=["GET"])
    bp.add_url_rule("/profile", "profile", pages.profile, methods=["GET"])
    bp.add_url_rule("/visits", "visits", pages.visits, methods=["GET"])
    bp.add_url_rule("/add/<kind>", "add", items.add, methods=["POST"])
    bp.add_url_rule("/edit/<kind>", "edit_single", items.edit_single, methods=["GET", "POST"])
    bp.add_url_rule("/items/<int:item_id>", "edit_item", items.edit_item, methods=["GET", "POST"])
    bp.add_url_rule("/items/<int:item_id>/remove", "remove_item", items.remove_item, methods=["POST"])
    bp.add_url_rule("/items/<int:item_id>/history", "item_history", items.item_history, methods=["GET"])
    bp.add_url_rule("/items/<int:item_id>/restore", "restore", items.restore, methods=["POST"])
    bp.add_url_rule("/items/<int:item_id>/put-back", "put_back", items.put_back, methods=["POST"])
    bp.add_url_rule("/items/<int:item_id>/move", "move_item", items.move_item, methods=["POST"])
    bp.add_url_rule("/suggestions/<key>", "accept_suggestion", items.accept_suggestion, methods=["POST"])
    bp.add_url_rule("/updates", "updates", pages.updates, methods=["GET"])
    bp.add_url_rule("/project", "project", pages.project, methods=["GET"])
    bp.add_url_rule("/project/share/<choice>", "share", pages.share, methods=["POST"])
