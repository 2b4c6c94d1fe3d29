package dev.vmbox.model;

/** The model file formats vmbox accepts. Pickle-based formats are refused (they execute code on load). */
public enum ModelFormat {
    /** llama.cpp's format, served by Ollama and llama-server. */
    GGUF,
    /** Hugging Face safetensors, served by vLLM. */
    SAFETENSORS
}
