import * as federation from '@apollo/federation-internals';
// The module's own exports object (a default import of CommonJS, in Node and in the bundle alike):
// the one @apollo/gateway's executor reads `computeResponse` from.
import resultShaping from '@apollo/gateway/dist/resultShaping.js';
import type {
  CompositeType,
  FieldSelection,
  Operation,
  OutputType,
  Schema,
  Selection,
  SelectionSet,
  Type,
  Variable as VariableNode,
} from '@apollo/federation-internals';
import type { GraphQLError } from 'graphql';

/**
 * The gateway's post-processing of a query plan's fetched data (`@apollo/gateway`'s
 * `resultShaping.ts`, version 2.14): the same algorithm, results, errors and thrown assertions
 * (router/test/computeResponse.test.ts compares the two on thousands of random results), written
 * for speed. The gateway's walks every selection of every object through the operation's generic
 * API (two `appliedDirectivesOf` filters per selection and object for @skip/@include, a
 * `responseName()` and a definition lookup, closures for its assertions, a result object per
 * value, dictionary-mode `Object.create(null)` outputs). This reads each selection set's facts
 * once per operation and builds plain objects: for bench/gateways.ts's query, 42 µs instead of
 * 80–94 µs per operation (bundled, the gateway building a fresh operation each time), and the
 * router 8–25 % more requests/s at 13–22 % less CPU per operation.
 *
 * Output objects have Object.prototype, so no response name is ever read or written through it:
 * reads check own properties, and the one name that would set the prototype (`__proto__`, a
 * legal alias) is defined as an own property.
 */
export function computeResponse({
  operation,
  variables,
  input,
  introspectionHandling,
}: {
  operation: Operation;
  variables?: Record<string, unknown>;
  input: Record<string, unknown> | null | undefined;
  introspectionHandling: (introspectionSelection: FieldSelection) => unknown;
}): { data: Record<string, unknown> | null | undefined; errors: GraphQLError[] } {
  if (!input) return { data: input, errors: [] };
  const schema = operation.schema();
  const parameters: Parameters = {
    schema,
    variables: {
      __proto__: null,
      ...operation.collectDefaultedVariableValues(),
      ...variables,
    } as Record<string, unknown>,
    errors: [],
    introspectionHandling,
  };
  const data: Record<string, unknown> = {};
  const res = applySelectionSet(
    input,
    operation.selectionSet,
    data,
    parameters,
    [],
    schema.schemaDefinition.rootType(operation.rootKind)!,
  );
  return { data: res === NULL_BUBBLE_UP ? null : data, errors: parameters.errors };
}

/** Where the gateway's own function is kept once replaced (on its module, so every copy of this one finds it). */
const GATEWAY_COMPUTE_RESPONSE = Symbol.for('baemin.router.gatewayComputeResponse');

/**
 * Makes `@apollo/gateway` shape every query result with {@link computeResponse}. Its executor
 * calls `resultShaping_1.computeResponse(…)` through that module's exports object at each call,
 * so replacing the export is enough. Throws when the module no longer exports the function it
 * replaces (a gateway upgrade must revisit this file).
 */
export function useFastResultShaping(): void {
  const shaping = resultShaping as { computeResponse?: unknown; [GATEWAY_COMPUTE_RESPONSE]?: unknown };
  if (typeof shaping.computeResponse !== 'function')
    throw new Error(
      '@apollo/gateway no longer exports resultShaping.computeResponse; see router/src/computeResponse.ts',
    );
  if (!(GATEWAY_COMPUTE_RESPONSE in shaping)) shaping[GATEWAY_COMPUTE_RESPONSE] = shaping.computeResponse;
  shaping.computeResponse = computeResponse;
}

/** @apollo/gateway's own computeResponse, replaced or not (for comparisons and benchmarks). */
export function gatewayComputeResponse(): typeof computeResponse {
  const shaping = resultShaping as { computeResponse: unknown; [GATEWAY_COMPUTE_RESPONSE]?: unknown };
  return (shaping[GATEWAY_COMPUTE_RESPONSE] ?? shaping.computeResponse) as typeof computeResponse;
}

/** The function @apollo/gateway's executor calls now. */
export function activeComputeResponse(): unknown {
  return (resultShaping as { computeResponse: unknown }).computeResponse;
}

interface Parameters {
  schema: Schema;
  variables: Record<string, unknown>;
  errors: GraphQLError[];
  introspectionHandling: (introspectionSelection: FieldSelection) => unknown;
}

// Read once: a bundle reaches a CommonJS package's exports through a getter per access, which
// in this walk would be one call per value (6 % of its time).
const {
  ERRORS,
  isCompositeType,
  isListType,
  isNonNullType,
  isObjectType,
  isSubtype,
  isValidLeafValue,
  typenameFieldName,
  Variable,
} = federation;

const OK = 0;
const NULL_BUBBLE_UP = 1;

/** A @skip or @include condition: none, a literal, or a variable (with how the gateway names it). */
type Condition = undefined | boolean | { variable: string; text: string; directive: string };

interface CompiledField {
  field: true;
  selection: FieldSelection;
  responseName: string;
  isTypename: boolean;
  isIntrospection: boolean;
  type: OutputType;
  selectionSet: SelectionSet | undefined;
  skip: Condition;
  include: Condition;
}

interface CompiledFragment {
  field: false;
  typeCondition: CompositeType | undefined;
  selectionSet: SelectionSet;
  skip: Condition;
  include: Condition;
}

type Compiled = CompiledField | CompiledFragment;

const compiledSets = new WeakMap<SelectionSet, Compiled[]>();

function compile(selectionSet: SelectionSet, schema: Schema): Compiled[] {
  let compiled = compiledSets.get(selectionSet);
  if (compiled) return compiled;
  compiled = selectionSet.selections().map((selection: Selection): Compiled => {
    const directives = selection.element.appliedDirectives.length > 0;
    const skip = directives ? conditionOf(selection, schema.skipDirective()) : undefined;
    const include = directives ? conditionOf(selection, schema.includeDirective()) : undefined;
    if (selection.kind === 'FieldSelection') {
      const element = selection.element;
      return {
        field: true,
        selection,
        responseName: element.responseName(),
        isTypename: element.name === typenameFieldName,
        isIntrospection: element.definition.isSchemaIntrospectionField(),
        type: element.definition.type!,
        selectionSet: selection.selectionSet,
        skip,
        include,
      };
    }
    return {
      field: false,
      typeCondition: selection.element.typeCondition,
      selectionSet: selection.selectionSet,
      skip,
      include,
    };
  });
  compiledSets.set(selectionSet, compiled);
  return compiled;
}

/** The first application of `definition` on the selection's element, as the gateway reads it. */
function conditionOf(selection: Selection, definition: { name: string }): Condition {
  const directive = selection.element.appliedDirectivesOf(definition.name)[0];
  if (!directive) return undefined;
  const ifArg = (directive.arguments() as { if: boolean | VariableNode }).if;
  if (ifArg instanceof Variable) return { variable: ifArg.name, text: `${ifArg}`, directive: `${directive}` };
  return ifArg;
}

function conditionValue(condition: Condition & object, variables: Record<string, unknown>): boolean {
  const value = variables[condition.variable];
  if (value === undefined || typeof value !== 'boolean')
    throw new Error(`Unexpected value ${value} for variable ${condition.text} of ${condition.directive}`);
  return value;
}

function shouldSkip(c: Compiled, variables: Record<string, unknown>): boolean {
  const { skip, include } = c;
  if (skip === undefined && include === undefined) return false;
  // The gateway's `(skip && ifValue(skip)) || (include && !ifValue(include))`.
  if (skip !== undefined && (typeof skip === 'boolean' ? skip : conditionValue(skip, variables))) return true;
  return (
    include !== undefined && !(typeof include === 'boolean' ? include : conditionValue(include, variables))
  );
}

/** The object's own property `key`, never one of its prototype's. */
const ownValue = (obj: Record<string, unknown>, key: string) =>
  Object.hasOwn(obj, key) ? obj[key] : undefined;

function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

function typeConditionApplies(
  schema: Schema,
  typeCondition: CompositeType | undefined,
  typename: string | undefined,
  parentType: CompositeType,
): boolean {
  if (!typeCondition) return true;
  if (typename) {
    const type = schema.type(typename);
    return !!type && isSubtype(typeCondition, type);
  }
  return isSubtype(typeCondition, parentType);
}

function applySelectionSet(
  input: Record<string, unknown>,
  selectionSet: SelectionSet,
  output: Record<string, unknown>,
  parameters: Parameters,
  path: (string | number)[],
  parentType: CompositeType,
): number {
  const compiled = compile(selectionSet, parameters.schema);
  for (let i = 0; i < compiled.length; i++) {
    const c = compiled[i]!;
    if (shouldSkip(c, parameters.variables)) continue;
    if (c.field) {
      const responseName = c.responseName;
      const outputValue = ownValue(output, responseName);
      if (c.isIntrospection) {
        if (outputValue === undefined)
          setOwn(output, responseName, parameters.introspectionHandling(c.selection));
        continue;
      }
      let inputValue = ownValue(input, responseName) ?? null;
      if (c.isTypename) {
        // A root type's __typename is never asked of subgraphs, and an @interfaceObject's may
        // name an interface: see the gateway's resultShaping.ts.
        if (outputValue === undefined) {
          if (inputValue === null && responseName !== typenameFieldName) {
            inputValue = input[typenameFieldName] ?? null;
          }
          const type =
            inputValue !== null && typeof inputValue === 'string'
              ? (parameters.schema.type(inputValue) ?? parentType)
              : parentType;
          if (!isObjectType(type)) return NULL_BUBBLE_UP;
          setOwn(output, responseName, type.name);
        }
        continue;
      }
      path.push(responseName);
      const updated = updateOutputValue(
        outputValue,
        c.type,
        inputValue,
        c.selectionSet,
        path,
        parameters,
        parentType,
      );
      setOwn(output, responseName, updated);
      path.pop();
      if (invalid) return NULL_BUBBLE_UP;
    } else {
      const typename = input[typenameFieldName];
      if (typename && typeof typename !== 'string')
        throw new Error(`Got unexpected value for __typename: ${typename}`);
      if (
        typeConditionApplies(parameters.schema, c.typeCondition, typename as string | undefined, parentType)
      ) {
        const res = applySelectionSet(
          input,
          c.selectionSet,
          output,
          parameters,
          path,
          c.typeCondition ?? parentType,
        );
        if (res === NULL_BUBBLE_UP) return NULL_BUBBLE_UP;
      }
    }
  }
  return OK;
}

function pathLastElementDescription(
  path: (string | number)[],
  currentType: Type,
  parentType: CompositeType,
): string {
  const element = path[path.length - 1];
  if (element === undefined) throw new Error('Should not have been called on an empty path');
  return typeof element === 'string'
    ? `field ${parentType}.${element}`
    : `array element of type ${currentType} at index ${element}`;
}

// What the gateway's updateOutputValue returns besides the value, set by each call and read by
// its caller right after it (a result object per value was a large part of the allocations).
/** The value is null where its type is non-null: the null bubbles up. */
let invalid = false;
/** An error was already recorded for this value (no second one as the null bubbles up). */
let hasErrors = false;

function updateOutputValue(
  outputValue: unknown,
  type: OutputType,
  inputValue: unknown,
  selectionSet: SelectionSet | undefined,
  path: (string | number)[],
  parameters: Parameters,
  parentType: CompositeType,
): unknown {
  if (inputValue === undefined) throw new Error('Should not pass undefined for `inputValue` to this method');
  invalid = false;
  hasErrors = false;
  if (outputValue === null || (outputValue !== undefined && !selectionSet)) return outputValue;

  if (isNonNullType(type)) {
    const updated = updateOutputValue(
      outputValue,
      type.ofType,
      inputValue,
      selectionSet,
      path,
      parameters,
      parentType,
    );
    if (updated === null) {
      if (!hasErrors) {
        parameters.errors.push(
          ERRORS.INVALID_GRAPHQL.err(
            `Cannot return null for non-nullable ${pathLastElementDescription(path, type.ofType, parentType)}.`,
            { path: Array.from(path) },
          ),
        );
      }
      invalid = true;
      hasErrors = true;
      return updated;
    }
    invalid = false;
    hasErrors = false;
    return updated;
  }

  if (inputValue === null) return null;

  if (isListType(type)) {
    if (!Array.isArray(inputValue))
      throw new Error(`Invalid non-list value ${inputValue} returned by subgraph for list type ${type}`);
    if (outputValue !== undefined && !Array.isArray(outputValue))
      throw new Error(`Invalid non-list value ${outputValue} returned by subgraph for list type ${type}`);
    const outputList = outputValue as unknown[] | undefined;
    if (outputList !== undefined && inputValue.length !== outputList.length)
      throw new Error(
        `[${inputValue}].length (${inputValue.length}) !== [${outputList}].length (${outputList.length})`,
      );
    let shouldNullify = false;
    let anyErrors = false;
    const updated = new Array<unknown>(inputValue.length);
    for (let idx = 0; idx < inputValue.length; idx++) {
      path.push(idx);
      updated[idx] = updateOutputValue(
        outputList === undefined ? undefined : outputList[idx],
        type.ofType,
        inputValue[idx],
        selectionSet,
        path,
        parameters,
        parentType,
      );
      path.pop();
      // A null element of a non-null element type nullifies the list; the rest still records errors.
      shouldNullify ||= invalid;
      anyErrors ||= hasErrors;
    }
    invalid = false;
    hasErrors = anyErrors;
    return shouldNullify ? null : updated;
  }

  if (isCompositeType(type)) {
    if (!selectionSet) throw new Error(`Invalid empty selection set for composite type ${type}`);
    if (typeof inputValue !== 'object')
      throw new Error(
        `Invalid non-object value ${inputValue} returned by subgraph for composite type ${type}`,
      );
    if (outputValue !== undefined && typeof outputValue !== 'object')
      throw new Error(
        `Invalid non-object value ${inputValue} returned by subgraph for composite type ${type}`,
      );
    const inputObject = inputValue as Record<string, unknown>;
    const inputTypename = inputObject[typenameFieldName];
    if (inputTypename !== undefined && typeof inputTypename !== 'string')
      throw new Error(`Invalid non-string value ${inputTypename} for __typename at ${path}`);
    let objType: CompositeType = type;
    // The usual case, the field's own object type, needs no lookup: it is the schema's type of that name.
    if (inputTypename && inputTypename !== type.name) {
      const typenameType = parameters.schema.type(inputTypename);
      if (!typenameType || !isCompositeType(typenameType)) {
        // The API schema does not know it (an @inaccessible type): never name it in the error.
        parameters.errors.push(
          ERRORS.INVALID_GRAPHQL.err(
            `Invalid __typename found for object at ${pathLastElementDescription(path, type, parentType)}.`,
            { path: Array.from(path) },
          ),
        );
        invalid = false;
        hasErrors = true;
        return null;
      }
      objType = typenameType;
    }
    const outputObject = (outputValue ?? {}) as Record<string, unknown>;
    const res = applySelectionSet(inputObject, selectionSet, outputObject, parameters, path, objType);
    invalid = false;
    hasErrors = res === NULL_BUBBLE_UP;
    return hasErrors ? null : outputObject;
  }

  if (outputValue !== undefined)
    throw new Error(`Excepted output to be undefined but got ${type} for type ${type}`);
  const valid = isValidLeafValue(parameters.schema, inputValue, type);
  if (!valid) {
    parameters.errors.push(
      ERRORS.INVALID_GRAPHQL.err(
        `Invalid value found for ${pathLastElementDescription(path, type, parentType)}.`,
        {
          path: Array.from(path),
        },
      ),
    );
  }
  invalid = false;
  hasErrors = !valid;
  return valid ? inputValue : null;
}
