"""GENERATED from the pydantic models of this package by `python -m fhirimaging.models.compile`.

Do not edit. The pydantic-core schema of ImagingStudy, its config, and what each format pattern means.
"""
# ruff: noqa: E501
from functools import partial

from . import rules

_MODELS: dict[str, type] = {}


def _model(name: str) -> type:
    """The class validation instantiates for a model; a plain one suffices, as only errors are used."""
    return _MODELS.setdefault(name, type(name, (), {"__module__": __name__}))


# Subschemas used more than once, each built once (in order of first use; each before its users).
_S1 = {'type': 'no-info', 'function': partial(rules.ele_1, False)}
_S2 = {'type': 'str', 'strict': True, 'pattern': '^[A-Za-z0-9\\-.]{1,64}$'}
_S3 = {'type': 'model-field', 'schema': {'type': 'default', 'schema': _S2, 'default': None}}
_S4 = {
 'type': 'model-field',
 'schema': {
  'type': 'default',
  'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Meta'},
  'default': None}}
_S5 = {'type': 'str', 'strict': True, 'pattern': '^[^\\s\\x00-\\x1F]+$'}
_S6 = {'type': 'model-field', 'schema': {'type': 'default', 'schema': _S5, 'default': None}}
_S7 = {
 'type': 'model-field',
 'schema': {
  'type': 'default',
  'schema': {'type': 'str', 'strict': True, 'pattern': '^[^\\s\\x00-\\x1F]+( [^\\s\\x00-\\x1F]+)*$'},
  'default': None}}
_S8 = {
 'type': 'str',
 'strict': True,
 'pattern': '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'}
_S9 = {'type': 'model-field', 'schema': {'type': 'default', 'schema': _S8, 'default': None}}
_S10 = {
 'type': 'model-field',
 'schema': {
  'type': 'default',
  'schema': {
   'type': 'list',
   'items_schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Extension'},
   'min_length': 1},
  'default': None}}
_S11 = {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.PrimitiveElement'}
_S12 = {'type': 'default', 'schema': _S11, 'default': None}
_S13 = {'type': 'model-field', 'schema': _S12, 'validation_alias': '_status'}
_S14 = {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Identifier'}
_S15 = {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.CodeableConcept'}
_S16 = {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Reference'}
_S17 = {'type': 'model-field', 'schema': _S16}
_S18 = {'type': 'model-field', 'schema': {'type': 'default', 'schema': _S16, 'default': None}}
_S19 = {
 'type': 'model-field',
 'schema': {
  'type': 'default',
  'schema': {
   'type': 'function-after',
   'function': {'type': 'no-info', 'function': rules.day_exists},
   'schema': {
    'type': 'str',
    'strict': True,
    'pattern': '^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]{1,9})?(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$'}},
  'default': None}}
_S20 = {
 'type': 'model-field',
 'schema': {'type': 'default', 'schema': {'type': 'list', 'items_schema': _S16, 'min_length': 1}, 'default': None}}
_S21 = {
 'type': 'model-field',
 'schema': {'type': 'default', 'schema': {'type': 'int', 'strict': True, 'ge': 0, 'le': 2147483647}, 'default': None}}
_S22 = {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.CodeableReference'}
_S23 = {
 'type': 'model-field',
 'schema': {'type': 'default', 'schema': {'type': 'list', 'items_schema': _S22, 'min_length': 1}, 'default': None}}
_S24 = {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Annotation'}
_S25 = {'type': 'model-field', 'schema': _S2}
_S26 = {'type': 'model-field', 'schema': {'type': 'default', 'schema': _S22, 'default': None}}
_S27 = {'type': 'model-field', 'schema': {'type': 'default', 'schema': _S15, 'default': None}}
_S28 = {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Coding'}
_S29 = {'type': 'model-field', 'schema': _S12, 'validation_alias': '_uid'}
_S30 = {'type': 'model-field', 'schema': _S12, 'validation_alias': '_number'}
_S31 = {'type': 'model-field', 'schema': _S12, 'validation_alias': '_title'}
_S32 = {'type': 'model-field', 'schema': _S12, 'validation_alias': '_description'}
_S33 = {'type': 'model-field', 'schema': _S12, 'validation_alias': '_numberOfInstances'}
_S34 = {'type': 'model-field', 'schema': _S12, 'validation_alias': '_started'}
_S35 = {'type': 'model-field', 'schema': _S12, 'validation_alias': '_language'}
_S36 = {
 'type': 'model-field',
 'schema': {
  'type': 'default',
  'schema': {
   'type': 'function-after',
   'function': {'type': 'no-info', 'function': rules.day_exists},
   'schema': {
    'type': 'str',
    'strict': True,
    'pattern': '^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]{1,9})?(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$'}},
  'default': None}}
_S37 = {
 'type': 'model-field',
 'schema': {'type': 'default', 'schema': {'type': 'list', 'items_schema': _S28, 'min_length': 1}, 'default': None}}
_S38 = {
 'type': 'model-field',
 'schema': {
  'type': 'default',
  'schema': {'type': 'str', 'strict': True, 'pattern': '^(\\s*[0-9a-zA-Z+/=]{4}\\s*)+$'},
  'default': None}}
_S39 = {'type': 'model-field', 'schema': {'type': 'default', 'schema': {'type': 'bool', 'strict': True}, 'default': None}}
_S40 = {
 'type': 'model-field',
 'schema': {
  'type': 'default',
  'schema': {
   'type': 'function-plain',
   'function': {'type': 'no-info', 'function': rules.decimal},
   'json_schema_input_schema': {'type': 'any'}},
  'default': None}}
_S41 = {
 'type': 'model-field',
 'schema': {
  'type': 'default',
  'schema': {
   'type': 'function-after',
   'function': {'type': 'no-info', 'function': rules.integer64_in_range},
   'schema': {'type': 'str', 'strict': True, 'pattern': '^(0|[-+]?[1-9][0-9]{0,18})$'}},
  'default': None}}
_S42 = {
 'type': 'model-field',
 'schema': {'type': 'default', 'schema': {'type': 'int', 'strict': True, 'ge': 1, 'le': 2147483647}, 'default': None}}
_S43 = {
 'type': 'model-field',
 'schema': {
  'type': 'default',
  'schema': {'type': 'dict', 'keys_schema': {'type': 'str'}, 'values_schema': {'type': 'any'}, 'min_length': 1},
  'default': None}}
_S44 = {
 'type': 'model-field',
 'schema': {
  'type': 'default',
  'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Quantity'},
  'default': None}}
_S45 = {'type': 'model-field', 'schema': {'type': 'default', 'schema': _S14, 'default': None}}
_S46 = {'type': 'model-field', 'schema': _S12, 'validation_alias': '_value'}
_S47 = {
 'type': 'model-field',
 'schema': {
  'type': 'default',
  'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.Period'},
  'default': None}}
_S48 = {
 'type': 'model-field',
 'schema': {
  'type': 'default',
  'schema': {'type': 'definition-ref', 'schema_ref': 'fhirimaging.models.datatypes.SimpleQuantity'},
  'default': None}}
_S49 = {'type': 'model-field', 'schema': _S12, 'validation_alias': '_unit'}
_S50 = {'type': 'model-field', 'schema': _S12, 'validation_alias': '_system'}
_S51 = {'type': 'model-field', 'schema': _S12, 'validation_alias': '_code'}
_S52 = {'type': 'model-field', 'schema': _S12, 'validation_alias': '_text'}
_S53 = {'type': 'model-field', 'schema': _S12, 'validation_alias': '_display'}
SCHEMA = {
 'type': 'definitions',
 'schema': {
  'type': 'model',
  'cls': _model('ImagingStudy'),
  'schema': {
   'type': 'function-before',
   'function': _S1,
   'schema': {
    'type': 'model-fields',
    'fields': {
     'resourceType': {'type': 'model-field', 'schema': {'type': 'literal', 'expected': ['ImagingStudy']}},
     'id': _S3,
     'meta': _S4,
     'implicitRules': _S6,
     'language': _S7,
     'text': {
      'type': 'model-field',
      'schema': {
       'type': 'default',
       'schema': {
        'type': 'model',
        'cls': _model('Narrative'),
        'schema': {
         'type': 'function-before',
         'function': _S1,
         'schema': {
          'type': 'model-fields',
          'fields': {
           'id': _S9,
           'extension': _S10,
           'status': {
            'type': 'model-field',
            'schema': {'type': 'literal', 'expected': ['generated', 'extensions', 'additional', 'empty']}},
           'div': {
            'type': 'model-field',
            'schema': {'type': 'str', 'strict': True, 'pattern': '^<div[\\s>][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$'}},
           'status_ext': _S13},
          'model_name': 'Narrative',
          'computed_fields': []}},
        'custom_init': False,
        'root_model': False,
        'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'Narrative'},
        'ref': 'fhirimaging.models.datatypes.Narrative'},
       'default': None}},
     'contained': {
      'type': 'model-field',
      'schema': {
       'type': 'default',
       'schema': {
        'type': 'list',
        'items_schema': {
         'type': 'function-wrap',
         'function': {
          'type': 'with-info',
          'function': partial(rules.check_invariants, 'ContainedResource', rules.contained_resource, False)},
         'schema': {
          'type': 'model',
          'cls': _model('ContainedResource'),
          'schema': {
           'type': 'function-before',
           'function': _S1,
           'schema': {
            'type': 'model-fields',
            'fields': {
             'resourceType': {
              'type': 'model-field',
              'schema': {'type': 'str', 'strict': True, 'pattern': '^[A-Z][A-Za-z]{1,63}$'}},
             'id': _S3},
            'model_name': 'ContainedResource',
            'computed_fields': []}},
          'custom_init': False,
          'root_model': False,
          'config': {'strict': True, 'extra_fields_behavior': 'allow', 'title': 'ContainedResource'}},
         'ref': 'fhirimaging.models.imagingstudy.ContainedResource'},
        'min_length': 1},
       'default': None}},
     'extension': _S10,
     'modifierExtension': _S10,
     'identifier': {
      'type': 'model-field',
      'schema': {'type': 'default', 'schema': {'type': 'list', 'items_schema': _S14, 'min_length': 1}, 'default': None}},
     'status': {
      'type': 'model-field',
      'schema': {'type': 'literal', 'expected': ['registered', 'available', 'cancelled', 'entered-in-error', 'unknown']}},
     'modality': {
      'type': 'model-field',
      'schema': {'type': 'default', 'schema': {'type': 'list', 'items_schema': _S15, 'min_length': 1}, 'default': None}},
     'subject': _S17,
     'encounter': _S18,
     'started': _S19,
     'basedOn': _S20,
     'partOf': _S20,
     'referrer': _S18,
     'endpoint': _S20,
     'numberOfSeries': _S21,
     'numberOfInstances': _S21,
     'procedure': _S23,
     'location': _S18,
     'reason': _S23,
     'note': {
      'type': 'model-field',
      'schema': {'type': 'default', 'schema': {'type': 'list', 'items_schema': _S24, 'min_length': 1}, 'default': None}},
     'description': _S9,
     'series': {
      'type': 'model-field',
      'schema': {
       'type': 'default',
       'schema': {
        'type': 'list',
        'items_schema': {
         'type': 'model',
         'cls': _model('Series'),
         'schema': {
          'type': 'function-before',
          'function': _S1,
          'schema': {
           'type': 'model-fields',
           'fields': {
            'id': _S9,
            'extension': _S10,
            'modifierExtension': _S10,
            'uid': _S25,
            'number': _S21,
            'modality': {'type': 'model-field', 'schema': _S15},
            'description': _S9,
            'numberOfInstances': _S21,
            'endpoint': _S20,
            'bodySite': _S26,
            'laterality': _S27,
            'specimen': _S20,
            'started': _S19,
            'performer': {
             'type': 'model-field',
             'schema': {
              'type': 'default',
              'schema': {
               'type': 'list',
               'items_schema': {
                'type': 'model',
                'cls': _model('Performer'),
                'schema': {
                 'type': 'function-before',
                 'function': _S1,
                 'schema': {
                  'type': 'model-fields',
                  'fields': {'id': _S9, 'extension': _S10, 'modifierExtension': _S10, 'function': _S27, 'actor': _S17},
                  'model_name': 'Performer',
                  'computed_fields': []}},
                'custom_init': False,
                'root_model': False,
                'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'Performer'},
                'ref': 'fhirimaging.models.imagingstudy.Performer'},
               'min_length': 1},
              'default': None}},
            'instance': {
             'type': 'model-field',
             'schema': {
              'type': 'default',
              'schema': {
               'type': 'list',
               'items_schema': {
                'type': 'model',
                'cls': _model('Instance'),
                'schema': {
                 'type': 'function-before',
                 'function': _S1,
                 'schema': {
                  'type': 'model-fields',
                  'fields': {
                   'id': _S9,
                   'extension': _S10,
                   'modifierExtension': _S10,
                   'uid': _S25,
                   'sopClass': {'type': 'model-field', 'schema': _S28},
                   'number': _S21,
                   'title': _S9,
                   'uid_ext': _S29,
                   'number_ext': _S30,
                   'title_ext': _S31},
                  'model_name': 'Instance',
                  'computed_fields': []}},
                'custom_init': False,
                'root_model': False,
                'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'Instance'},
                'ref': 'fhirimaging.models.imagingstudy.Instance'},
               'min_length': 1},
              'default': None}},
            'uid_ext': _S29,
            'number_ext': _S30,
            'description_ext': _S32,
            'numberOfInstances_ext': _S33,
            'started_ext': _S34},
           'model_name': 'Series',
           'computed_fields': []}},
         'custom_init': False,
         'root_model': False,
         'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'Series'},
         'ref': 'fhirimaging.models.imagingstudy.Series'},
        'min_length': 1},
       'default': None}},
     'implicitRules_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_implicitRules'},
     'language_ext': _S35,
     'status_ext': _S13,
     'started_ext': _S34,
     'numberOfSeries_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_numberOfSeries'},
     'numberOfInstances_ext': _S33,
     'description_ext': _S32},
    'model_name': 'ImagingStudy',
    'computed_fields': []}},
  'custom_init': False,
  'root_model': False,
  'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'ImagingStudy'},
  'ref': 'fhirimaging.models.imagingstudy.ImagingStudy'},
 'definitions': [
  {
   'type': 'function-wrap',
   'function': {'type': 'with-info', 'function': partial(rules.check_invariants, 'Meta', rules.meta, True)},
   'schema': {
    'type': 'model',
    'cls': _model('Meta'),
    'schema': {
     'type': 'function-before',
     'function': {'type': 'no-info', 'function': partial(rules.ele_1, True)},
     'schema': {
      'type': 'model-fields',
      'fields': {
       'id': _S9,
       'extension': _S10,
       'versionId': _S3,
       'lastUpdated': _S36,
       'source': _S6,
       'profile': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'list', 'items_schema': {'type': 'nullable', 'schema': _S5}, 'min_length': 1},
         'default': None}},
       'security': _S37,
       'tag': _S37,
       'versionId_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_versionId'},
       'lastUpdated_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_lastUpdated'},
       'source_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_source'},
       'profile_ext': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'list', 'items_schema': {'type': 'nullable', 'schema': _S11}, 'min_length': 1},
         'default': None},
        'validation_alias': '_profile'}},
      'model_name': 'Meta',
      'computed_fields': []}},
    'custom_init': False,
    'root_model': False,
    'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'Meta'}},
   'ref': 'fhirimaging.models.datatypes.Meta'},
  {
   'type': 'function-wrap',
   'function': {
    'type': 'with-info',
    'function': partial(rules.check_invariants, 'Extension', partial(rules.extension, frozenset(['valueAddress', 'valueAge', 'valueAnnotation', 'valueAttachment', 'valueAvailability', 'valueBase64Binary', 'valueBoolean', 'valueCanonical', 'valueCode', 'valueCodeableConcept', 'valueCodeableReference', 'valueCoding', 'valueContactDetail', 'valueContactPoint', 'valueCount', 'valueDataRequirement', 'valueDate', 'valueDateTime', 'valueDecimal', 'valueDistance', 'valueDosage', 'valueDuration', 'valueExpression', 'valueExtendedContactDetail', 'valueHumanName', 'valueId', 'valueIdentifier', 'valueInstant', 'valueInteger', 'valueInteger64', 'valueMarkdown', 'valueMeta', 'valueMoney', 'valueOid', 'valueParameterDefinition', 'valuePeriod', 'valuePositiveInt', 'valueQuantity', 'valueRange', 'valueRatio', 'valueRatioRange', 'valueReference', 'valueRelatedArtifact', 'valueSampledData', 'valueSignature', 'valueString', 'valueTime', 'valueTiming', 'valueTriggerDefinition', 'valueUnsignedInt', 'valueUri', 'valueUrl', 'valueUsageContext', 'valueUuid'])), False)},
   'schema': {
    'type': 'model',
    'cls': _model('Extension'),
    'schema': {
     'type': 'function-before',
     'function': _S1,
     'schema': {
      'type': 'model-fields',
      'fields': {
       'id': _S9,
       'extension': _S10,
       'url': {'type': 'model-field', 'schema': _S5},
       'valueBase64Binary': _S38,
       'valueBoolean': _S39,
       'valueCanonical': _S6,
       'valueCode': _S7,
       'valueDate': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'function-after',
          'function': {'type': 'no-info', 'function': rules.day_exists},
          'schema': {
           'type': 'str',
           'strict': True,
           'pattern': '^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$'}},
         'default': None}},
       'valueDateTime': _S19,
       'valueDecimal': _S40,
       'valueId': _S3,
       'valueInstant': _S36,
       'valueInteger': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'int', 'strict': True, 'ge': -2147483648, 'le': 2147483647},
         'default': None}},
       'valueInteger64': _S41,
       'valueMarkdown': _S9,
       'valueOid': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'str', 'strict': True, 'pattern': '^urn:oid:[0-2](\\.(0|[1-9][0-9]*))+$'},
         'default': None}},
       'valuePositiveInt': _S42,
       'valueString': _S9,
       'valueTime': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'str',
          'strict': True,
          'pattern': '^([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]{1,9})?$'},
         'default': None}},
       'valueUnsignedInt': _S21,
       'valueUri': _S6,
       'valueUrl': _S6,
       'valueUuid': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'str',
          'strict': True,
          'pattern': '^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'},
         'default': None}},
       'valueAddress': _S43,
       'valueAge': _S44,
       'valueAnnotation': {'type': 'model-field', 'schema': {'type': 'default', 'schema': _S24, 'default': None}},
       'valueAttachment': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'function-wrap',
          'function': {
           'type': 'with-info',
           'function': partial(rules.check_invariants, 'Attachment', rules.attachment, True)},
          'schema': {
           'type': 'model',
           'cls': _model('Attachment'),
           'schema': {
            'type': 'function-before',
            'function': {'type': 'no-info', 'function': partial(rules.ele_1, True)},
            'schema': {
             'type': 'model-fields',
             'fields': {
              'id': _S9,
              'extension': _S10,
              'contentType': _S7,
              'language': _S7,
              'data': _S38,
              'url': _S6,
              'size': _S41,
              'hash': _S38,
              'title': _S9,
              'creation': _S19,
              'height': _S42,
              'width': _S42,
              'frames': _S42,
              'duration': _S40,
              'pages': _S42,
              'contentType_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_contentType'},
              'language_ext': _S35,
              'data_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_data'},
              'url_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_url'},
              'size_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_size'},
              'hash_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_hash'},
              'title_ext': _S31,
              'creation_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_creation'},
              'height_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_height'},
              'width_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_width'},
              'frames_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_frames'},
              'duration_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_duration'},
              'pages_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_pages'}},
             'model_name': 'Attachment',
             'computed_fields': []}},
           'custom_init': False,
           'root_model': False,
           'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'Attachment'}},
          'ref': 'fhirimaging.models.datatypes.Attachment'},
         'default': None}},
       'valueCodeableConcept': _S27,
       'valueCodeableReference': _S26,
       'valueCoding': {'type': 'model-field', 'schema': {'type': 'default', 'schema': _S28, 'default': None}},
       'valueContactPoint': _S43,
       'valueCount': _S44,
       'valueDistance': _S44,
       'valueDuration': _S44,
       'valueHumanName': _S43,
       'valueIdentifier': _S45,
       'valueMoney': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'model',
          'cls': _model('Money'),
          'schema': {
           'type': 'function-before',
           'function': {'type': 'no-info', 'function': partial(rules.ele_1, True)},
           'schema': {
            'type': 'model-fields',
            'fields': {
             'id': _S9,
             'extension': _S10,
             'value': _S40,
             'currency': _S7,
             'value_ext': _S46,
             'currency_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_currency'}},
            'model_name': 'Money',
            'computed_fields': []}},
          'custom_init': False,
          'root_model': False,
          'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'Money'},
          'ref': 'fhirimaging.models.datatypes.Money'},
         'default': None}},
       'valuePeriod': _S47,
       'valueQuantity': _S44,
       'valueRange': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'model',
          'cls': _model('Range'),
          'schema': {
           'type': 'function-before',
           'function': {'type': 'no-info', 'function': partial(rules.ele_1, True)},
           'schema': {
            'type': 'model-fields',
            'fields': {'id': _S9, 'extension': _S10, 'low': _S48, 'high': _S48},
            'model_name': 'Range',
            'computed_fields': []}},
          'custom_init': False,
          'root_model': False,
          'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'Range'},
          'ref': 'fhirimaging.models.datatypes.Range'},
         'default': None}},
       'valueRatio': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {
          'type': 'function-wrap',
          'function': {'type': 'with-info', 'function': partial(rules.check_invariants, 'Ratio', rules.ratio, True)},
          'schema': {
           'type': 'model',
           'cls': _model('Ratio'),
           'schema': {
            'type': 'function-before',
            'function': {'type': 'no-info', 'function': partial(rules.ele_1, True)},
            'schema': {
             'type': 'model-fields',
             'fields': {'id': _S9, 'extension': _S10, 'numerator': _S44, 'denominator': _S48},
             'model_name': 'Ratio',
             'computed_fields': []}},
           'custom_init': False,
           'root_model': False,
           'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'Ratio'}},
          'ref': 'fhirimaging.models.datatypes.Ratio'},
         'default': None}},
       'valueRatioRange': _S43,
       'valueReference': _S18,
       'valueSampledData': _S43,
       'valueSignature': _S43,
       'valueTiming': _S43,
       'valueContactDetail': _S43,
       'valueDataRequirement': _S43,
       'valueExpression': _S43,
       'valueParameterDefinition': _S43,
       'valueRelatedArtifact': _S43,
       'valueTriggerDefinition': _S43,
       'valueUsageContext': _S43,
       'valueAvailability': _S43,
       'valueExtendedContactDetail': _S43,
       'valueDosage': _S43,
       'valueMeta': _S4,
       'valueBase64Binary_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_valueBase64Binary'},
       'valueBoolean_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_valueBoolean'},
       'valueCanonical_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_valueCanonical'},
       'valueCode_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_valueCode'},
       'valueDate_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_valueDate'},
       'valueDateTime_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_valueDateTime'},
       'valueDecimal_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_valueDecimal'},
       'valueId_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_valueId'},
       'valueInstant_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_valueInstant'},
       'valueInteger_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_valueInteger'},
       'valueInteger64_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_valueInteger64'},
       'valueMarkdown_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_valueMarkdown'},
       'valueOid_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_valueOid'},
       'valuePositiveInt_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_valuePositiveInt'},
       'valueString_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_valueString'},
       'valueTime_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_valueTime'},
       'valueUnsignedInt_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_valueUnsignedInt'},
       'valueUri_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_valueUri'},
       'valueUrl_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_valueUrl'},
       'valueUuid_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_valueUuid'}},
      'model_name': 'Extension',
      'computed_fields': []}},
    'custom_init': False,
    'root_model': False,
    'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'Extension'}},
   'ref': 'fhirimaging.models.datatypes.Extension'},
  {
   'type': 'function-wrap',
   'function': {
    'type': 'with-info',
    'function': partial(rules.check_invariants, 'Quantity', rules.simple_quantity, True)},
   'schema': {
    'type': 'model',
    'cls': _model('Quantity'),
    'schema': {
     'type': 'function-before',
     'function': {'type': 'no-info', 'function': partial(rules.ele_1, True)},
     'schema': {
      'type': 'model-fields',
      'fields': {
       'id': _S9,
       'extension': _S10,
       'value': _S40,
       'unit': _S9,
       'system': _S6,
       'code': _S7,
       'value_ext': _S46,
       'unit_ext': _S49,
       'system_ext': _S50,
       'code_ext': _S51,
       'comparator': {
        'type': 'model-field',
        'schema': {
         'type': 'default',
         'schema': {'type': 'literal', 'expected': ['<', '<=', '>=', '>', 'ad']},
         'default': None}},
       'comparator_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_comparator'}},
      'model_name': 'Quantity',
      'computed_fields': []}},
    'custom_init': False,
    'root_model': False,
    'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'Quantity'}},
   'ref': 'fhirimaging.models.datatypes.Quantity'},
  {
   'type': 'model',
   'cls': _model('PrimitiveElement'),
   'schema': {
    'type': 'function-before',
    'function': _S1,
    'schema': {
     'type': 'model-fields',
     'fields': {'id': _S9, 'extension': _S10},
     'model_name': 'PrimitiveElement',
     'computed_fields': []}},
   'custom_init': False,
   'root_model': False,
   'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'PrimitiveElement'},
   'ref': 'fhirimaging.models.datatypes.PrimitiveElement'},
  {
   'type': 'function-wrap',
   'function': {'type': 'with-info', 'function': partial(rules.check_invariants, 'Annotation', rules.annotation, False)},
   'schema': {
    'type': 'model',
    'cls': _model('Annotation'),
    'schema': {
     'type': 'function-before',
     'function': _S1,
     'schema': {
      'type': 'model-fields',
      'fields': {
       'id': _S9,
       'extension': _S10,
       'authorReference': _S18,
       'authorString': _S9,
       'time': _S19,
       'text': {'type': 'model-field', 'schema': _S8},
       'authorString_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_authorString'},
       'time_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_time'},
       'text_ext': _S52},
      'model_name': 'Annotation',
      'computed_fields': []}},
    'custom_init': False,
    'root_model': False,
    'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'Annotation'}},
   'ref': 'fhirimaging.models.datatypes.Annotation'},
  {
   'type': 'function-wrap',
   'function': {'type': 'with-info', 'function': partial(rules.check_invariants, 'Reference', rules.reference, True)},
   'schema': {
    'type': 'model',
    'cls': _model('Reference'),
    'schema': {
     'type': 'function-before',
     'function': {'type': 'no-info', 'function': partial(rules.ele_1, True)},
     'schema': {
      'type': 'model-fields',
      'fields': {
       'id': _S9,
       'extension': _S10,
       'reference': _S9,
       'type': _S6,
       'identifier': _S45,
       'display': _S9,
       'reference_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_reference'},
       'type_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_type'},
       'display_ext': _S53},
      'model_name': 'Reference',
      'computed_fields': []}},
    'custom_init': False,
    'root_model': False,
    'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'Reference'}},
   'ref': 'fhirimaging.models.datatypes.Reference'},
  {
   'type': 'model',
   'cls': _model('Identifier'),
   'schema': {
    'type': 'function-before',
    'function': {'type': 'no-info', 'function': partial(rules.ele_1, True)},
    'schema': {
     'type': 'model-fields',
     'fields': {
      'id': _S9,
      'extension': _S10,
      'use': {
       'type': 'model-field',
       'schema': {
        'type': 'default',
        'schema': {'type': 'literal', 'expected': ['usual', 'official', 'temp', 'secondary', 'old']},
        'default': None}},
      'type': _S27,
      'system': _S6,
      'value': _S9,
      'period': _S47,
      'assigner': _S18,
      'use_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_use'},
      'system_ext': _S50,
      'value_ext': _S46},
     'model_name': 'Identifier',
     'computed_fields': []}},
   'custom_init': False,
   'root_model': False,
   'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'Identifier'},
   'ref': 'fhirimaging.models.datatypes.Identifier'},
  {
   'type': 'model',
   'cls': _model('CodeableConcept'),
   'schema': {
    'type': 'function-before',
    'function': {'type': 'no-info', 'function': partial(rules.ele_1, True)},
    'schema': {
     'type': 'model-fields',
     'fields': {'id': _S9, 'extension': _S10, 'coding': _S37, 'text': _S9, 'text_ext': _S52},
     'model_name': 'CodeableConcept',
     'computed_fields': []}},
   'custom_init': False,
   'root_model': False,
   'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'CodeableConcept'},
   'ref': 'fhirimaging.models.datatypes.CodeableConcept'},
  {
   'type': 'model',
   'cls': _model('Coding'),
   'schema': {
    'type': 'function-before',
    'function': {'type': 'no-info', 'function': partial(rules.ele_1, True)},
    'schema': {
     'type': 'model-fields',
     'fields': {
      'id': _S9,
      'extension': _S10,
      'system': _S6,
      'version': _S9,
      'code': _S7,
      'display': _S9,
      'userSelected': _S39,
      'system_ext': _S50,
      'version_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_version'},
      'code_ext': _S51,
      'display_ext': _S53,
      'userSelected_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_userSelected'}},
     'model_name': 'Coding',
     'computed_fields': []}},
   'custom_init': False,
   'root_model': False,
   'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'Coding'},
   'ref': 'fhirimaging.models.datatypes.Coding'},
  {
   'type': 'function-wrap',
   'function': {'type': 'with-info', 'function': partial(rules.check_invariants, 'Period', rules.period, True)},
   'schema': {
    'type': 'model',
    'cls': _model('Period'),
    'schema': {
     'type': 'function-before',
     'function': {'type': 'no-info', 'function': partial(rules.ele_1, True)},
     'schema': {
      'type': 'model-fields',
      'fields': {
       'id': _S9,
       'extension': _S10,
       'start': _S19,
       'end': _S19,
       'start_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_start'},
       'end_ext': {'type': 'model-field', 'schema': _S12, 'validation_alias': '_end'}},
      'model_name': 'Period',
      'computed_fields': []}},
    'custom_init': False,
    'root_model': False,
    'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'Period'}},
   'ref': 'fhirimaging.models.datatypes.Period'},
  {
   'type': 'model',
   'cls': _model('CodeableReference'),
   'schema': {
    'type': 'function-before',
    'function': {'type': 'no-info', 'function': partial(rules.ele_1, True)},
    'schema': {
     'type': 'model-fields',
     'fields': {'id': _S9, 'extension': _S10, 'concept': _S27, 'reference': _S18},
     'model_name': 'CodeableReference',
     'computed_fields': []}},
   'custom_init': False,
   'root_model': False,
   'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'CodeableReference'},
   'ref': 'fhirimaging.models.datatypes.CodeableReference'},
  {
   'type': 'function-wrap',
   'function': {
    'type': 'with-info',
    'function': partial(rules.check_invariants, 'SimpleQuantity', rules.simple_quantity, True)},
   'schema': {
    'type': 'model',
    'cls': _model('SimpleQuantity'),
    'schema': {
     'type': 'function-before',
     'function': {'type': 'no-info', 'function': partial(rules.ele_1, True)},
     'schema': {
      'type': 'model-fields',
      'fields': {
       'id': _S9,
       'extension': _S10,
       'value': _S40,
       'unit': _S9,
       'system': _S6,
       'code': _S7,
       'value_ext': _S46,
       'unit_ext': _S49,
       'system_ext': _S50,
       'code_ext': _S51},
      'model_name': 'SimpleQuantity',
      'computed_fields': []}},
    'custom_init': False,
    'root_model': False,
    'config': {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'SimpleQuantity'}},
   'ref': 'fhirimaging.models.datatypes.SimpleQuantity'}]}
CONFIG = {'strict': True, 'extra_fields_behavior': 'forbid', 'title': 'ImagingStudy'}
FORMATS = {
 '^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*[^\\s\\x00-\\x1F][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$': 'a non-blank string without control characters',
 '^[^\\s\\x00-\\x1F]+$': 'a URI without whitespace',
 '^[^\\s\\x00-\\x1F]+( [^\\s\\x00-\\x1F]+)*$': 'a code without leading, trailing or repeated whitespace',
 '^[A-Za-z0-9\\-.]{1,64}$': 'an id of 1 to 64 characters from A-Z a-z 0-9 - .',
 '^urn:oid:[0-2](\\.(0|[1-9][0-9]*))+$': 'an OID such as urn:oid:1.2.3',
 '^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$': 'a lower-case UUID such as urn:uuid:c757873d-ec9a-4326-a141-556f43239520',
 '^(\\s*[0-9a-zA-Z+/=]{4}\\s*)+$': 'base64 data',
 '^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$': 'a date: YYYY, YYYY-MM or YYYY-MM-DD',
 '^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]{1,9})?(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$': 'a dateTime: YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss[.fff] with a time zone (Z or +hh:mm)',
 '^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]{1,9})?(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$': 'an instant: YYYY-MM-DDThh:mm:ss[.fff] with a time zone (Z or +hh:mm)',
 '^([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]{1,9})?$': 'a time: hh:mm:ss[.fff]',
 '^(0|[-+]?[1-9][0-9]{0,18})$': 'an integer64 written as a JSON string',
 '^<div[\\s>][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$': 'XHTML starting with a <div> element',
 '^[A-Z][A-Za-z]{1,63}$': 'a resource type name such as Patient'}
