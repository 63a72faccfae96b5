"""The open schedule formats in and out: c3voc `schedule.json` and `schedule.xml` (what pretalx
and frab publish and Giggity, EventFahrplan, info-beamer and the video teams read) and iCal.

* `validation`: the c3voc schemas (`schemas/`, with their licence) and the checks against them.
* `export`: the writers, pure functions of an event's content.
* `parse`: a schedule file (JSON or XML, validated first) into plain records; `plan`: the pure
  import plan; `importer`: the import into the store.
"""
