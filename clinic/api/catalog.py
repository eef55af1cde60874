"""Catalog endpoints: the active drugs and the reaction checklist."""
from __future__ import annotations

from flask import jsonify

from ..services import catalog
from . import serializers
from .base import endpoint


@endpoint("/catalog/drugs", summary="The active drugs")
def list_drugs():
    """List the active drugs with their checks and premedications."""
    return jsonify([serializers.drug(d) for d in catalog.active_drugs()])


@endpoint("/catalog/reactions", summary="The reaction checklist")
def list_reactions():
    """List the reactions in checklist order."""
    return jsonify([serializers.reaction(r) for r in catalog.reactions()])
