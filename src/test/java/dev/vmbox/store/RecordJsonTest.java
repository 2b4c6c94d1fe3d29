package dev.vmbox.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The record's JSON through Jackson's streaming core: the same document databind wrote, and the same values read. */
class RecordJsonTest {
    /** How InstanceStore wrote records with databind before: the format on every user's disk. */
    private static final ObjectMapper DATABIND = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .addModule(new SimpleModule().addSerializer(Instant.class, new ToStringSerializer())
                    .addDeserializer(Instant.class, new JsonDeserializer<Instant>() {
                        @Override
                        public Instant deserialize(JsonParser p, DeserializationContext c) throws java.io.IOException {
                            return Instant.parse(p.getValueAsString());
                        }
                    }))
            .build();

    private static InstanceRecord full() {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("runtime", "ollama");
        settings.put("apiPort", "11434");
        settings.put("hostKey", "ssh-ed25519 AAAA \"quoted\" \\ back\nslash");
        settings.put("count", 3);
        settings.put("big", 12345678901L);
        settings.put("ratio", 0.5);
        settings.put("on", true);
        settings.put("nothing", null);
        settings.put("nested", Map.of("a", List.of(1, "two", false)));
        return new InstanceRecord(1, "llm", "libvirt", Map.of("uri", "qemu:///session"), InstanceRecord.Phase.BROKEN,
                "install: it failed", Instant.parse("2026-11-20T10:00:00.123Z"), "0.1.0", settings);
    }

    @Test
    void writesTheDocumentDatabindWrote() throws Exception {
        for (InstanceRecord r : List.of(full(),
                new InstanceRecord(1, "a", "lima", null, InstanceRecord.Phase.CREATING, null, null, null, null))) {
            assertEquals(new String(DATABIND.writeValueAsBytes(r), StandardCharsets.UTF_8),
                    new String(RecordJson.write(r), StandardCharsets.UTF_8));
        }
    }

    @Test
    void readsWhatItWritesWithTheJsonTypesDatabindGave() throws Exception {
        InstanceRecord r = full();
        InstanceRecord back = RecordJson.read(RecordJson.write(r));
        assertEquals(r, back);
        assertEquals(DATABIND.readValue(RecordJson.write(r), InstanceRecord.class), back);
        assertEquals(Integer.class, back.settings().get("count").getClass());
        assertEquals(Long.class, back.settings().get("big").getClass());
        assertEquals(Double.class, back.settings().get("ratio").getClass());
        assertTrue(back.settings().containsKey("nothing"));
    }

    @Test
    void readsLikeDatabindIgnoringUnknownFieldsAndCoercingScalars() throws Exception {
        String doc = "{\"schema\":\"1\",\"name\":\"llm\",\"provider\":\"multipass\",\"future\":{\"x\":[1,{\"y\":2}]},"
                + "\"phase\":\"READY\",\"providerRef\":{\"n\":7},\"settings\":{\"apiPort\":11434,"
                + "\"huge\":123456789012345678901234567890}} trailing";
        InstanceRecord r = RecordJson.read(doc.getBytes(StandardCharsets.UTF_8));
        assertEquals(1, r.schema());
        assertEquals(Map.of("n", "7"), r.providerRef());
        assertEquals(11434, r.settings().get("apiPort"));
        assertEquals(new BigInteger("123456789012345678901234567890"), r.settings().get("huge"));
        assertEquals(DATABIND.readValue(doc, InstanceRecord.class), r);
        assertNull(RecordJson.read("null".getBytes(StandardCharsets.UTF_8)));
        assertNull(RecordJson.read(new byte[0]));
    }

    @Test
    void malformedRecordsAreParseErrorsWithALine() {
        for (String bad : List.of("[]", "{\"schema\":{}}", "{\"phase\":\"DONE\"}", "{\"createdAt\":\"yesterday\"}",
                "{\"name\":\"a\",", "{\"settings\":[1]}", "{\"providerRef\":{\"a\":[1]}}", "\u0000\u0001 not json",
                "{\"settings\":{\"a\":[1,2}}")) {
            JsonProcessingException e = assertThrows(JsonProcessingException.class,
                    () -> RecordJson.read(bad.getBytes(StandardCharsets.UTF_8)), bad);
            assertTrue(e.getLocation() != null && e.getLocation().getLineNr() >= 1, bad);
        }
    }

    @Test
    void aSettingOfAnUnsupportedTypeIsRefused() {
        InstanceRecord r = new InstanceRecord(1, "a", "lima", null, InstanceRecord.Phase.READY, null, null, null,
                Map.of("when", Instant.EPOCH));
        assertThrows(IllegalArgumentException.class, () -> RecordJson.write(r));
    }
}
