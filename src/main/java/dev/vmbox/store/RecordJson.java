package dev.vmbox.store;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The instance record's JSON, read and written with Jackson's streaming core only. {@code list} and
 * {@code status} read every record on each run, and building a databind mapper costs a short-lived JVM
 * more than all the rest of {@code list} (decision 0014). The format is the one databind wrote before:
 * pretty-printed, null fields left out, the time as ISO-8601 text, unknown fields ignored on reading;
 * settings values keep their JSON types (text, Integer/Long/BigInteger, Double, Boolean, Map, List, null).
 */
final class RecordJson {
    private static final JsonFactory FACTORY = new JsonFactory();

    private RecordJson() {
    }

    /** The record in {@code json}; null when the document is empty or {@code null}. */
    static InstanceRecord read(byte[] json) throws IOException {
        try (JsonParser p = FACTORY.createParser(json)) {
            JsonToken first = p.nextToken();
            if (first == null || first == JsonToken.VALUE_NULL) {
                return null;
            }
            if (first != JsonToken.START_OBJECT) {
                throw new JsonParseException(p, "a record is a JSON object, not " + describe(first));
            }
            int schema = 0;
            String name = null;
            String provider = null;
            Map<String, String> providerRef = null;
            InstanceRecord.Phase phase = null;
            String failure = null;
            Instant createdAt = null;
            String vmboxVersion = null;
            Map<String, Object> settings = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                switch (field) {
                    case "schema" -> schema = integer(p, t, field);
                    case "name" -> name = text(p, t, field);
                    case "provider" -> provider = text(p, t, field);
                    case "providerRef" -> providerRef = textMap(p, t, field);
                    case "phase" -> phase = phase(p, t);
                    case "failure" -> failure = text(p, t, field);
                    case "createdAt" -> createdAt = instant(p, t);
                    case "vmboxVersion" -> vmboxVersion = text(p, t, field);
                    case "settings" -> settings = t == JsonToken.VALUE_NULL ? null : object(p, t, field);
                    default -> p.skipChildren(); // a field of a newer vmbox
                }
            }
            return new InstanceRecord(schema, name, provider, providerRef, phase, failure, createdAt, vmboxVersion,
                    settings);
        }
    }

    /** The record as pretty-printed JSON (UTF-8). */
    static byte[] write(InstanceRecord r) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
        try (JsonGenerator g = FACTORY.createGenerator(bytes)) {
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeNumberField("schema", r.schema());
            field(g, "name", r.name());
            field(g, "provider", r.provider());
            g.writeFieldName("providerRef");
            value(g, r.providerRef());
            field(g, "phase", r.phase() == null ? null : r.phase().name());
            field(g, "failure", r.failure());
            field(g, "createdAt", r.createdAt() == null ? null : r.createdAt().toString());
            field(g, "vmboxVersion", r.vmboxVersion());
            g.writeFieldName("settings");
            value(g, r.settings());
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode the record of " + r.name(), e); // memory only: not reached
        }
        return bytes.toByteArray();
    }

    private static void field(JsonGenerator g, String name, String value) throws IOException {
        if (value != null) {
            g.writeStringField(name, value);
        }
    }

    private static void value(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof String s) {
            g.writeString(s);
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            g.writeNumber(((Number) v).longValue());
        } else if (v instanceof java.math.BigInteger b) {
            g.writeNumber(b);
        } else if (v instanceof Double || v instanceof Float) {
            g.writeNumber(((Number) v).doubleValue());
        } else if (v instanceof java.math.BigDecimal d) {
            g.writeNumber(d);
        } else if (v instanceof Map<?, ?> m) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                g.writeFieldName(String.valueOf(e.getKey()));
                value(g, e.getValue());
            }
            g.writeEndObject();
        } else if (v instanceof Collection<?> c) {
            g.writeStartArray();
            for (Object o : c) {
                value(g, o);
            }
            g.writeEndArray();
        } else {
            throw new IllegalArgumentException("a record setting cannot hold a " + v.getClass().getName()
                    + "; store text, numbers, booleans, maps or lists");
        }
    }

    private static int integer(JsonParser p, JsonToken t, String field) throws IOException {
        if (t == JsonToken.VALUE_NUMBER_INT) {
            return p.getIntValue();
        }
        if (t == JsonToken.VALUE_STRING) {
            try {
                return Integer.parseInt(p.getText().trim());
            } catch (NumberFormatException e) {
                throw new JsonParseException(p, "'" + field + "' is not a whole number");
            }
        }
        throw new JsonParseException(p, "'" + field + "' must be a number, not " + describe(t));
    }

    private static String text(JsonParser p, JsonToken t, String field) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t.isScalarValue()) {
            return p.getText();
        }
        throw new JsonParseException(p, "'" + field + "' must be text, not " + describe(t));
    }

    private static InstanceRecord.Phase phase(JsonParser p, JsonToken t) throws IOException {
        String s = text(p, t, "phase");
        if (s == null) {
            return null;
        }
        try {
            return InstanceRecord.Phase.valueOf(s);
        } catch (IllegalArgumentException e) {
            throw new JsonParseException(p, "'phase' is '" + s + "', not one of CREATING, READY, BROKEN");
        }
    }

    private static Instant instant(JsonParser p, JsonToken t) throws IOException {
        String s = text(p, t, "createdAt");
        try {
            return s == null ? null : Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw new JsonParseException(p, "'createdAt' is not an ISO-8601 instant");
        }
    }

    private static Map<String, String> textMap(JsonParser p, JsonToken t, String field) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : object(p, t, field).entrySet()) {
            if (e.getValue() instanceof Map || e.getValue() instanceof List) {
                throw new JsonParseException(p, "'" + field + "." + e.getKey() + "' must be text");
            }
            if (e.getValue() != null) {
                m.put(e.getKey(), e.getValue().toString());
            }
        }
        return m;
    }

    private static Map<String, Object> object(JsonParser p, JsonToken t, String field) throws IOException {
        if (t != JsonToken.START_OBJECT) {
            throw new JsonParseException(p, "'" + field + "' must be an object, not " + describe(t));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            m.put(key, any(p, p.nextToken()));
        }
        return m;
    }

    private static Object any(JsonParser p, JsonToken t) throws IOException {
        return switch (t) {
            case START_OBJECT -> object(p, t, p.currentName());
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                    list.add(any(p, e));
                }
                yield list;
            }
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT -> p.getNumberValue();
            case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> throw new JsonParseException(p, "unexpected " + describe(t));
        };
    }

    private static String describe(JsonToken t) {
        return t == null ? "the end of the file" : t.name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }
}
